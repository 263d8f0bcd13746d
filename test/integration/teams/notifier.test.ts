import { afterEach, describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../src/http/retryAfter.js';
import { startTeamsSink, type TeamsSink, type TeamsSinkResponse } from '../../../src/sim/teams/server.js';
import { InvalidWebhookUrlError, TeamsDeliveryError } from '../../../src/teams/errors.js';
import { type CardBudget, redactUrl, TeamsNotifier, validateWebhookUrl } from '../../../src/teams/notifier.js';

/** A Workflows-shaped payload whose size depends on the budget. */
function payload(budget: CardBudget) {
  const rows = { full: 2000, compact: 200, minimal: 5 }[budget];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          type: 'AdaptiveCard',
          version: '1.5',
          body: Array.from({ length: rows }, (_, i) => ({ type: 'TextBlock', text: `pod-${i} 410 connects/min` })),
          msteams: { budget },
        },
      },
    ],
  };
}

const budgetOf = (p: unknown) => (p as ReturnType<typeof payload>).attachments[0]?.content.msteams.budget;

let sink: TeamsSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

async function setup(script: TeamsSinkResponse[] = [], extra: { maxAttempts?: number } = {}) {
  sink = await startTeamsSink({ script });
  const sleeps: number[] = [];
  const logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const notifier = new TeamsNotifier({
    webhookUrl: sink.url,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    logger: {
      info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
      warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
      error: (message, fields) => logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
    },
    ...extra,
  });
  return { sink, notifier, sleeps, logs };
}

describe('TeamsNotifier', () => {
  describe('send', () => {
    it('delivers on 202 with the compact card when the full one is too large for Teams', async () => {
      const { sink, notifier } = await setup();
      const result = await notifier.send(payload);
      // The 2,000-row card exceeds 28 KB: the sink answers 413 like Teams, the notifier rebuilds.
      expect(result).toEqual({ status: 202, attempts: 2, budget: 'compact' });
      expect(sink.statuses).toEqual([413, 202]);
      expect(sink.delivered.map(budgetOf)).toEqual(['compact']);
    });

    it('delivers on 200', async () => {
      const { sink, notifier } = await setup([{ status: 200 }]);
      const result = await notifier.send(() => payload('minimal'));
      expect(result).toEqual({ status: 200, attempts: 1, budget: 'full' });
      expect(sink.delivered).toHaveLength(1);
    });

    it('waits Retry-After seconds on 429, then succeeds', async () => {
      const { sink, notifier, sleeps } = await setup([{ status: 429, retryAfter: '7' }]);
      const result = await notifier.send(() => payload('minimal'));
      expect(result).toMatchObject({ status: 202, attempts: 2 });
      expect(sleeps).toEqual([7000]);
      expect(sink.statuses).toEqual([429, 202]);
    });

    it('honours an HTTP-date Retry-After', async () => {
      const date = new Date(Date.now() + 30_000).toUTCString();
      const { notifier, sleeps } = await setup([{ status: 503, retryAfter: date }]);
      await notifier.send(() => payload('minimal'));
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThan(25_000);
      expect(sleeps[0]).toBeLessThanOrEqual(30_000);
    });

    it('gives up, named and retryable, when Retry-After asks for more than the bound', async () => {
      const { sink, notifier, sleeps } = await setup([{ status: 429, retryAfter: '3600' }]);
      const err = await notifier.send(() => payload('minimal')).catch((e) => e);
      expect(err).toBeInstanceOf(TeamsDeliveryError);
      expect(err).toMatchObject({ status: 429, attempts: 1, retryable: true });
      expect(err.message).toMatch(/HTTP 429 asking to wait 3600 \(Retry-After\), longer than the 60 s/);
      expect(sleeps).toEqual([]);
      expect(sink.received).toHaveLength(1);
    });

    it('honours Retry-After three times in a row, then delivers in the fourth post', async () => {
      const throttled = { status: 429, retryAfter: '2' };
      const { sink, notifier, sleeps } = await setup([throttled, throttled, throttled]);
      const result = await notifier.send(() => payload('minimal'));
      expect(result).toMatchObject({ status: 202, attempts: 4 });
      expect(sleeps).toEqual([2000, 2000, 2000]);
      expect(sink.statuses).toEqual([429, 429, 429, 202]);
    });

    it('rebuilds with the next smaller budget on a scripted 413', async () => {
      const { sink, notifier } = await setup([{ status: 413 }, { status: 413 }]);
      const result = await notifier.send(() => payload('minimal'));
      expect(result).toEqual({ status: 202, attempts: 3, budget: 'minimal' });
      expect(sink.statuses).toEqual([413, 413, 202]);
    });

    it('fails with TeamsDeliveryError when even the minimal card is too large', async () => {
      const { notifier } = await setup([{ status: 413 }, { status: 413 }, { status: 413 }]);
      const err = await notifier.send(payload).catch((e) => e);
      expect(err).toBeInstanceOf(TeamsDeliveryError);
      expect(err).toMatchObject({ status: 413, attempts: 3, budget: 'minimal', retryable: false });
    });

    it('retries 500 with exponential backoff, then throws a retryable TeamsDeliveryError', async () => {
      const script = Array.from({ length: 5 }, () => ({ status: 500 }));
      const { sink, notifier, sleeps } = await setup(script);
      const err = await notifier.send(() => payload('minimal')).catch((e) => e);
      expect(err).toBeInstanceOf(TeamsDeliveryError);
      expect(err).toMatchObject({ status: 500, attempts: 5, retryable: true });
      expect(sleeps).toEqual([1000, 2000, 4000, 8000]);
      expect(sink.statuses).toEqual([500, 500, 500, 500, 500]);
    });

    it('does not retry other 4xx answers', async () => {
      const { sink, notifier } = await setup([{ status: 400 }]);
      const err = await notifier.send(() => payload('minimal')).catch((e) => e);
      expect(err).toBeInstanceOf(TeamsDeliveryError);
      expect(err).toMatchObject({ status: 400, attempts: 1, retryable: false });
      expect(err.message).toMatch(/HTTP 400 \(the workflow rejected the payload\)$/);
      expect(sink.received).toHaveLength(1);
    });

    it('never puts the webhook URL or its signature in errors or logs', async () => {
      const { sink, notifier, logs } = await setup([{ status: 500 }, { status: 404 }]);
      const sig = new URL(sink.url).searchParams.get('sig') ?? '';
      expect(sig.length).toBeGreaterThan(10);
      const err = await notifier.send(() => payload('minimal')).catch((e) => e);
      expect(err).toBeInstanceOf(TeamsDeliveryError);
      const everything = `${err.message} ${err.stack} ${JSON.stringify(logs)} ${notifier.target}`;
      expect(everything).not.toContain(sig);
      expect(everything).not.toContain(sink.url);
      expect(err.message).toContain('?<redacted>');
    });

    it('treats network failures as retryable and scrubs their messages', async () => {
      sink = await startTeamsSink();
      const url = sink.url;
      await sink.close();
      sink = undefined;
      const sleeps: number[] = [];
      const failingFetch: typeof fetch = async (input) => {
        throw new TypeError(`fetch failed for ${String(input)}`);
      };
      const notifier = new TeamsNotifier({
        webhookUrl: url,
        fetchImpl: failingFetch,
        maxAttempts: 2,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      const err = await notifier.send(() => payload('minimal')).catch((e) => e);
      expect(err).toMatchObject({ name: 'TeamsDeliveryError', status: null, attempts: 2, retryable: true });
      const sig = new URL(url).searchParams.get('sig') ?? '';
      expect(`${err.message} ${err.cause?.message}`).not.toContain(sig);
      expect(err.cause?.message).toContain('fetch failed');
      expect(sleeps).toEqual([1000]);
    });
  });

  describe('constructor', () => {
    it('accepts https and loopback http, refuses other http without echoing the URL', () => {
      expect(validateWebhookUrl('https://prod-1.westeurope.logic.azure.com/workflows/x?sig=s').protocol).toBe('https:');
      expect(validateWebhookUrl('http://localhost:1234/x').hostname).toBe('localhost');
      expect(() => new TeamsNotifier({ webhookUrl: 'http://example.com/hook?sig=topsecret' })).toThrow(
        InvalidWebhookUrlError,
      );
      try {
        new TeamsNotifier({ webhookUrl: 'http://example.com/hook?sig=topsecret' });
      } catch (err) {
        expect((err as Error).message).not.toContain('topsecret');
      }
      expect(() => new TeamsNotifier({ webhookUrl: 'not a url' })).toThrow(InvalidWebhookUrlError);
    });
  });

  describe('helpers', () => {
    it('parses Retry-After seconds and dates, ignores garbage', () => {
      expect(parseRetryAfter('5')).toBe(5000);
      expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(
        10_000,
      );
      expect(parseRetryAfter('soon')).toBeNull();
      expect(parseRetryAfter(null)).toBeNull();
    });

    it('redacts the query string', () => {
      expect(redactUrl(new URL('https://h.example/p/invoke?sig=abc&sv=1'))).toBe(
        'https://h.example/p/invoke?<redacted>',
      );
    });
  });
});
