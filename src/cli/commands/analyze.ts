import { type Command, Option } from 'commander';
import { InvalidCidrError } from '../../analysis/errors.js';
import { parseCidr } from '../../analysis/ipClassifier.js';
import { EvidenceNotFoundError } from '../../evidence/errors.js';
import type { Report } from '../../report/model.js';
import { CliError } from '../errors.js';
import { collect, emit } from '../output.js';

/**
 * The `--format` values: Markdown for a terminal or a ticket, the report JSON, the self-contained HTML page, and the
 * Teams Workflows payload (`card`) exactly as the responder would post it.
 */
export const REPORT_FORMATS = ['markdown', 'json', 'html', 'card'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Renders a report in one of the CLI formats. HTML and card renderers load lazily (charts are heavy). */
export async function renderReport(report: Report, format: ReportFormat, reportUrl?: string): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return (await import('../../report/markdown.js')).renderMarkdown(report);
    case 'html': {
      const { renderHtml } = await import('../../report/html/renderHtml.js');
      return renderHtml(report, reportUrl ? { reportUrl } : {});
    }
    case 'card': {
      const { buildTeamsPayloadWithinLimit } = await import('../../report/card/teamsCard.js');
      return `${JSON.stringify(buildTeamsPayloadWithinLimit(report, { reportUrl: reportUrl ?? null }), null, 2)}\n`;
    }
  }
}

/** Validates CIDR options up front so bad input changes nothing. */
export function validateCidrs(cidrs: readonly string[], flag: string): void {
  for (const c of cidrs) {
    try {
      parseCidr(c);
    } catch (err) {
      if (err instanceof InvalidCidrError) throw new CliError(`${flag}: ${err.message}`);
      throw err;
    }
  }
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new CliError(`--threads: expected a whole number from 1 to 64, got "${value}"`);
  return n;
}

interface AnalyzeFlags {
  threads?: number;
  format: ReportFormat;
  privateCidr: string[];
  azureServiceCidr: string[];
  out?: string;
  reportUrl?: string;
  serviceTags?: string;
}

/**
 * Reads a downloaded `ServiceTags_Public_*.json` (or an ARM serviceTags answer saved to a file) into an index;
 * a missing, unreadable or wrongly shaped file is bad input with a one-line error.
 */
async function loadServiceTags(file: string) {
  const [{ readFile }, { basename }, { parseServiceTags, ServiceTagIndex, ServiceTagsFormatError }] = await Promise.all(
    [import('node:fs/promises'), import('node:path'), import('../../analysis/serviceTags.js')],
  );
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`--service-tags: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return { index: new ServiceTagIndex(parseServiceTags(JSON.parse(text))), source: basename(file) };
  } catch (err) {
    if (err instanceof SyntaxError || err instanceof ServiceTagsFormatError)
      throw new CliError(`--service-tags: ${file}: ${err.message.split('\n')[0]}`);
    throw err;
  }
}

/** `snat-responder analyze <bundle-dir-or-trace-file>`. */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('rank the pods exhausting SNAT ports from an evidence bundle (a directory) or a tcptracer log')
    .argument('<bundle>', 'evidence bundle directory, or a single tcptracer -t4v log')
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('markdown'))
    .option(
      '--private-cidr <cidr>',
      'extra range that does not use SNAT (VNet, peered, service CIDR); repeatable',
      collect,
      [],
    )
    .option(
      '--azure-service-cidr <cidr>',
      'range of Azure service endpoints, for private endpoint advice; repeatable',
      collect,
      [],
    )
    .option(
      '--service-tags <file>',
      'Azure service tags (the downloadable ServiceTags_Public JSON): name the Azure service of each destination',
    )
    .option('-o, --out <file>', 'write the output to a file instead of stdout')
    .option('--report-url <url>', 'link to the full report, used by --format card')
    .option(
      '--threads <n>',
      'threads reading a trace of 16 MB or more (default: 1 below 256 MB, else the cores available, at most 4)',
      parseThreads,
    )
    .action(async (bundle: string, flags: AnalyzeFlags) => {
      validateCidrs(flags.privateCidr, '--private-cidr');
      validateCidrs(flags.azureServiceCidr, '--azure-service-cidr');
      const serviceTags = flags.serviceTags ? await loadServiceTags(flags.serviceTags) : null;
      let report: Report;
      try {
        const [{ computeRecommendations }, { analyzeEvidence }] = await Promise.all([
          import('../../analysis/recommendations.js'),
          import('../../evidence/read/analyzeBundle.js'),
        ]);
        const analyzed = await analyzeEvidence(bundle, {
          privateCidrs: flags.privateCidr,
          generatedAt: new Date().toISOString(),
          ...(flags.threads ? { traceThreads: flags.threads } : {}),
          ...(serviceTags ? { serviceTags } : {}),
          recommend: (r) => computeRecommendations(r, { azureServiceCidrs: flags.azureServiceCidr }),
        });
        // A report from nothing would read as a clean bill of health: refuse it, saying what the input looks like.
        if (analyzed.nothingUsable !== null) {
          throw new CliError(`no usable evidence in ${bundle}: ${analyzed.nothingUsable}`);
        }
        report = analyzed.report;
      } catch (err) {
        if (err instanceof EvidenceNotFoundError) throw new CliError(err.message);
        throw err;
      }
      await emit(await renderReport(report, flags.format, flags.reportUrl), flags.out);
    });
}
