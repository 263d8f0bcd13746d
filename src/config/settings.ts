/**
 * The responder's configuration: one typed object read once from an env-like record (Function App
 * settings, `process.env`, or CLI flags mapped to the same names) and validated at start-up.
 * Precedence: explicit overrides (CLI flags) > environment > defaults. Every error names the setting.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { validateWebhookUrl } from '../teams/notifier.js';
import { SettingsError, type SettingsIssue } from './errors.js';

/** Every setting the responder reads, by its environment name. */
export const SETTING_NAMES = [
  'REPORTS_ACCOUNT_URL',
  'REPORTS_CONNECTION_STRING',
  'REPORTS_CONTAINER',
  'TEAMS_WEBHOOK_URL',
  'TRACE_SECONDS',
  'COOLDOWN_MINUTES',
  'ALLOWED_SUBSCRIPTION_IDS',
  'ALLOWED_ALERT_RULE_IDS',
  'CAPTURE_NAMESPACE',
  'CAPTURE_IMAGE',
  'MAX_CONCURRENT_CAPTURES',
  'NETSTAT_CONCURRENCY',
  'NETSTAT_MAX_PODS',
  'WORST_NODES_COUNT',
  'ALLOW_INSTALL_NET_TOOLS',
  'PRIVATE_CIDRS',
  'AZURE_SERVICE_CIDRS',
  'REPORT_BASE_URL',
  'ARM_ENDPOINT',
  'AZURE_CLIENT_ID',
  'PROACTIVE_CLUSTER_IDS',
  'PROACTIVE_SCAN_MINUTES',
  'PROACTIVE_LOOKBACK_MINUTES',
  'PROACTIVE_HORIZON_MINUTES',
  'PROACTIVE_THRESHOLD_PERCENT',
  'FLEET_MAX_INCIDENTS',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** Settings that hold secrets: never log their values. */
export const SECRET_SETTINGS: readonly SettingName[] = ['REPORTS_CONNECTION_STRING', 'TEAMS_WEBHOOK_URL'];

/** The validated configuration. */
export interface Settings {
  /** Blob account URL (identity auth), e.g. `https://streports.blob.core.windows.net`. */
  reportsAccountUrl: string | null;
  /** Blob connection string (local development and Azurite). Secret. */
  reportsConnectionString: string | null;
  reportsContainer: string;
  /** Teams Workflows webhook; null turns notifications off. Secret. */
  teamsWebhookUrl: string | null;
  traceSeconds: number;
  cooldownMinutes: number;
  /** Lower-cased subscription GUIDs; empty = no allowlist. */
  allowedSubscriptionIds: string[];
  /** Lower-cased alert rule resource ids or names; empty = no allowlist. */
  allowedAlertRuleIds: string[];
  captureNamespace: string;
  /** Node capture image; null = the capture module's default. */
  captureImage: string | null;
  maxConcurrentCaptures: number;
  netstatConcurrency: number;
  netstatMaxPods: number;
  worstNodesCount: number;
  allowInstallNetTools: boolean;
  /** Extra private ranges (CIDR), on top of the built-in RFC 1918 / CGNAT / ... ranges. */
  privateCidrs: string[];
  /** CIDRs of Azure services (Storage, SQL, ...) for the private-endpoint recommendation. */
  azureServiceCidrs: string[];
  /** Base URL for report links in Teams cards; null = link to the blob URL. */
  reportBaseUrl: string | null;
  /** ARM endpoint; null = public cloud (`https://management.azure.com`). */
  armEndpoint: string | null;
  /** Client id of the user-assigned managed identity; null = system-assigned / developer credential. */
  azureClientId: string | null;
  /** The proactive watch (timer function) and the fleet view. */
  proactive: ProactiveSettings;
}

/** The proactive watch's slice of the settings. */
export interface ProactiveSettings {
  /** AKS cluster resource ids the timer scans; empty = the proactive watch is off. */
  clusterIds: string[];
  /** Minutes between scans (the timer's schedule). */
  scanMinutes: number;
  /** Minutes of metrics each scan reads. */
  lookbackMinutes: number;
  /** Investigate when exhaustion is projected within this many minutes. */
  horizonMinutes: number;
  /** Investigate at or above this usage percent. */
  thresholdPercent: number;
  /** Incidents kept in each fleet index (older reports stay in the container). */
  fleetMaxIncidents: number;
}

/** Defaults applied when a setting is absent or empty. */
export const SETTING_DEFAULTS = {
  REPORTS_CONTAINER: 'reports',
  TRACE_SECONDS: 60,
  COOLDOWN_MINUTES: 15,
  CAPTURE_NAMESPACE: 'snat-responder',
  MAX_CONCURRENT_CAPTURES: 3,
  NETSTAT_CONCURRENCY: 16,
  NETSTAT_MAX_PODS: 250,
  WORST_NODES_COUNT: 1,
  ALLOW_INSTALL_NET_TOOLS: false,
  PROACTIVE_SCAN_MINUTES: 5,
  PROACTIVE_LOOKBACK_MINUTES: 30,
  PROACTIVE_HORIZON_MINUTES: 15,
  PROACTIVE_THRESHOLD_PERCENT: 90,
  FLEET_MAX_INCIDENTS: 200,
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const AKS_CLUSTER_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.ContainerService\/managedClusters\/[A-Za-z0-9][-_A-Za-z0-9]{0,62}$/i;

/** Empty or whitespace-only values count as unset. */
const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
  z.string().optional(),
);

const integer = (min: number, max: number, fallback: number) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number between ${min} and ${max}, got "${v}"` });
      return z.NEVER;
    }
    const n = Number(v);
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
      return z.NEVER;
    }
    return n;
  });

const boolean = (fallback: boolean) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, got "${v}"` });
    return z.NEVER;
  });

const list = (check: (item: string) => string | null, normalise: (item: string) => string = (s) => s) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return [] as string[];
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const item of items) {
      const problem = check(item);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `"${item}" ${problem}` });
        return z.NEVER;
      }
    }
    return [...new Set(items.map(normalise))];
  });

/** https URL (http allowed on loopback, for the simulated world). The value is echoed unless secret. */
const url = (what: string, opts: { secret?: boolean } = {}) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute ${what} URL${opts.secret ? '' : `, got "${v}"`}` });
      return z.NEVER;
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
      ctx.addIssue({
        code: 'custom',
        message: `must use https (http only for 127.0.0.1/localhost), got ${parsed.protocol}//${parsed.host}`,
      });
      return z.NEVER;
    }
    return v.replace(/\/+$/, '');
  });

function cidrProblem(item: string): string | null {
  return ipaddr.isValidCIDR(item) ? null : 'is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)';
}

const schema = z.object({
  REPORTS_ACCOUNT_URL: url('Blob account'),
  REPORTS_CONNECTION_STRING: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    const ok = /(^|;)\s*UseDevelopmentStorage=true\s*(;|$)/i.test(v) || /(^|;)\s*(AccountName|BlobEndpoint)=/i.test(v);
    if (!ok) {
      // Never echo the value: it holds the account key.
      ctx.addIssue({
        code: 'custom',
        message: 'is not a storage connection string (expected AccountName=... or BlobEndpoint=...)',
      });
      return z.NEVER;
    }
    return v;
  }),
  REPORTS_CONTAINER: optionalText.transform((v, ctx) => {
    const name = v ?? SETTING_DEFAULTS.REPORTS_CONTAINER;
    if (!CONTAINER_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${name}" is not a valid container name (3-63 lowercase letters, digits and single hyphens)`,
      });
      return z.NEVER;
    }
    return name;
  }),
  TEAMS_WEBHOOK_URL: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    try {
      validateWebhookUrl(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^The Teams webhook URL /, '') });
      return z.NEVER;
    }
    return v;
  }),
  TRACE_SECONDS: integer(5, 600, SETTING_DEFAULTS.TRACE_SECONDS),
  COOLDOWN_MINUTES: integer(1, 1440, SETTING_DEFAULTS.COOLDOWN_MINUTES),
  ALLOWED_SUBSCRIPTION_IDS: list(
    (s) => (GUID.test(s) ? null : 'is not a subscription id (GUID)'),
    (s) => s.toLowerCase(),
  ),
  ALLOWED_ALERT_RULE_IDS: list(
    (s) => (/\s/.test(s) ? 'contains spaces (use the rule resource id or rule name)' : null),
    (s) => s.toLowerCase(),
  ),
  CAPTURE_NAMESPACE: optionalText.transform((v, ctx) => {
    const ns = v ?? SETTING_DEFAULTS.CAPTURE_NAMESPACE;
    if (!DNS_LABEL.test(ns)) {
      ctx.addIssue({ code: 'custom', message: `"${ns}" is not a Kubernetes namespace name (DNS-1123 label)` });
      return z.NEVER;
    }
    return ns;
  }),
  CAPTURE_IMAGE: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    if (/\s/.test(v) || !/^[A-Za-z0-9]/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a container image reference` });
      return z.NEVER;
    }
    return v;
  }),
  MAX_CONCURRENT_CAPTURES: integer(1, 50, SETTING_DEFAULTS.MAX_CONCURRENT_CAPTURES),
  NETSTAT_CONCURRENCY: integer(1, 128, SETTING_DEFAULTS.NETSTAT_CONCURRENCY),
  NETSTAT_MAX_PODS: integer(1, 5000, SETTING_DEFAULTS.NETSTAT_MAX_PODS),
  WORST_NODES_COUNT: integer(1, 20, SETTING_DEFAULTS.WORST_NODES_COUNT),
  ALLOW_INSTALL_NET_TOOLS: boolean(SETTING_DEFAULTS.ALLOW_INSTALL_NET_TOOLS),
  PRIVATE_CIDRS: list(cidrProblem),
  AZURE_SERVICE_CIDRS: list(cidrProblem),
  REPORT_BASE_URL: url('report base'),
  ARM_ENDPOINT: url('ARM'),
  PROACTIVE_CLUSTER_IDS: list((s) => (AKS_CLUSTER_ID.test(s) ? null : 'is not an AKS cluster resource id')),
  PROACTIVE_SCAN_MINUTES: integer(1, 60, SETTING_DEFAULTS.PROACTIVE_SCAN_MINUTES),
  PROACTIVE_LOOKBACK_MINUTES: integer(10, 240, SETTING_DEFAULTS.PROACTIVE_LOOKBACK_MINUTES),
  PROACTIVE_HORIZON_MINUTES: integer(1, 1440, SETTING_DEFAULTS.PROACTIVE_HORIZON_MINUTES),
  PROACTIVE_THRESHOLD_PERCENT: integer(1, 100, SETTING_DEFAULTS.PROACTIVE_THRESHOLD_PERCENT),
  FLEET_MAX_INCIDENTS: integer(10, 5000, SETTING_DEFAULTS.FLEET_MAX_INCIDENTS),
  AZURE_CLIENT_ID: optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    if (!GUID.test(v)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a client id (GUID)` });
      return z.NEVER;
    }
    return v.toLowerCase();
  }),
});

/**
 * Read and validate the settings once.
 *
 * @param env - `process.env` or the Function App settings.
 * @param overrides - values that win over `env` (CLI flags mapped to setting names); `undefined` entries are ignored.
 * @throws SettingsError listing every invalid setting by name.
 * @example
 * const settings = loadSettings(process.env, { TRACE_SECONDS: opts.traceSeconds });
 */
export function loadSettings(
  env: Record<string, string | undefined>,
  overrides: Partial<Record<SettingName, string | undefined>> = {},
): Settings {
  const raw: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) raw[name] = overrides[name] ?? env[name];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues: SettingsIssue[] = parsed.error.issues.map((i) => ({
      setting: String(i.path[0] ?? 'settings'),
      message: i.message,
    }));
    throw new SettingsError(issues);
  }
  const s = parsed.data;
  if (s.REPORTS_ACCOUNT_URL && s.REPORTS_CONNECTION_STRING) {
    throw new SettingsError([
      {
        setting: 'REPORTS_ACCOUNT_URL',
        message: 'set either REPORTS_ACCOUNT_URL (managed identity) or REPORTS_CONNECTION_STRING, not both',
      },
    ]);
  }
  return {
    reportsAccountUrl: s.REPORTS_ACCOUNT_URL,
    reportsConnectionString: s.REPORTS_CONNECTION_STRING,
    reportsContainer: s.REPORTS_CONTAINER,
    teamsWebhookUrl: s.TEAMS_WEBHOOK_URL,
    traceSeconds: s.TRACE_SECONDS,
    cooldownMinutes: s.COOLDOWN_MINUTES,
    allowedSubscriptionIds: s.ALLOWED_SUBSCRIPTION_IDS,
    allowedAlertRuleIds: s.ALLOWED_ALERT_RULE_IDS,
    captureNamespace: s.CAPTURE_NAMESPACE,
    captureImage: s.CAPTURE_IMAGE,
    maxConcurrentCaptures: s.MAX_CONCURRENT_CAPTURES,
    netstatConcurrency: s.NETSTAT_CONCURRENCY,
    netstatMaxPods: s.NETSTAT_MAX_PODS,
    worstNodesCount: s.WORST_NODES_COUNT,
    allowInstallNetTools: s.ALLOW_INSTALL_NET_TOOLS,
    privateCidrs: s.PRIVATE_CIDRS,
    azureServiceCidrs: s.AZURE_SERVICE_CIDRS,
    reportBaseUrl: s.REPORT_BASE_URL,
    armEndpoint: s.ARM_ENDPOINT,
    azureClientId: s.AZURE_CLIENT_ID,
    proactive: {
      clusterIds: s.PROACTIVE_CLUSTER_IDS,
      scanMinutes: s.PROACTIVE_SCAN_MINUTES,
      lookbackMinutes: s.PROACTIVE_LOOKBACK_MINUTES,
      horizonMinutes: s.PROACTIVE_HORIZON_MINUTES,
      thresholdPercent: s.PROACTIVE_THRESHOLD_PERCENT,
      fleetMaxIncidents: s.FLEET_MAX_INCIDENTS,
    },
  };
}

/**
 * The proactive timer's NCRONTAB schedule (second 0 of every Nth minute), read from `PROACTIVE_SCAN_MINUTES` alone: the timer
 * is registered when the app loads, before (and whatever) the rest of the settings say. A value that is not a whole
 * number from 1 to 60 falls back to the default here and is reported by {@link loadSettings} when the timer runs.
 * Values that divide 60 give an even cadence (the minute counter restarts each hour).
 *
 * @example proactiveSchedule({ PROACTIVE_SCAN_MINUTES: '10' }) // '0 *\/10 * * * *'
 */
export function proactiveSchedule(env: Record<string, string | undefined>): string {
  const raw = env.PROACTIVE_SCAN_MINUTES?.trim() ?? '';
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const minutes = n >= 1 && n <= 60 ? n : SETTING_DEFAULTS.PROACTIVE_SCAN_MINUTES;
  return minutes === 60 ? '0 0 * * * *' : `0 */${minutes} * * * *`;
}

/** Where reports go, resolved from the settings. */
export type ReportStorageTarget =
  | { kind: 'accountUrl'; accountUrl: string; container: string }
  | {
      kind: 'connectionString';
      connectionString: string;
      container: string;
    };

/**
 * The report storage to use. Settings load without storage (handy for the CLI and local runs);
 * this throws only when storage is actually needed.
 *
 * @throws SettingsError naming REPORTS_ACCOUNT_URL when neither storage setting is set.
 */
export function reportStorage(settings: Settings): ReportStorageTarget {
  if (settings.reportsAccountUrl) {
    return { kind: 'accountUrl', accountUrl: settings.reportsAccountUrl, container: settings.reportsContainer };
  }
  if (settings.reportsConnectionString) {
    return {
      kind: 'connectionString',
      connectionString: settings.reportsConnectionString,
      container: settings.reportsContainer,
    };
  }
  throw new SettingsError([
    {
      setting: 'REPORTS_ACCOUNT_URL',
      message:
        'reports cannot be stored: set REPORTS_ACCOUNT_URL (https://<account>.blob.core.windows.net, managed identity) ' +
        'or REPORTS_CONNECTION_STRING (local development, Azurite)',
    },
  ]);
}

/**
 * A log-safe view of the settings (secrets replaced by `<set>`/`<not set>`) plus start-up notes,
 * e.g. that Teams notifications are off.
 */
export function describeSettings(settings: Settings): { values: Record<string, unknown>; notes: string[] } {
  const values: Record<string, unknown> = { ...settings };
  values.reportsConnectionString = settings.reportsConnectionString ? '<set>' : '<not set>';
  values.teamsWebhookUrl = settings.teamsWebhookUrl ? '<set>' : '<not set>';
  const notes: string[] = [];
  if (!settings.teamsWebhookUrl) notes.push('Teams notifications are off: TEAMS_WEBHOOK_URL is not set.');
  if (!settings.reportsAccountUrl && !settings.reportsConnectionString) {
    notes.push(
      'Report storage is not configured (REPORTS_ACCOUNT_URL or REPORTS_CONNECTION_STRING): storing a report will fail.',
    );
  }
  if (settings.allowInstallNetTools) {
    notes.push('ALLOW_INSTALL_NET_TOOLS is on: net-tools may be installed inside production containers.');
  }
  if (settings.proactive.clusterIds.length === 0) {
    notes.push(
      'PROACTIVE_CLUSTER_IDS is empty: the proactive watch is off (alerts and on-demand requests still work).',
    );
  }
  if (settings.allowedSubscriptionIds.length === 0) {
    notes.push(
      'ALLOWED_SUBSCRIPTION_IDS is empty: alerts from any subscription the identity can read are investigated.',
    );
  }
  return { values, notes };
}
