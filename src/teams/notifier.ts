/**
 * Posts a card to a Teams Workflows webhook ("When a Teams webhook request is received").
 * Success is 200 or 202; 429/5xx are retried honouring `Retry-After` up to a bound; other 4xx are final and
 * named; 413 rebuilds the card with a smaller budget. This is the only retry layer for Teams: the orchestration
 * calls the notify activity once and reports a final failure as `notified: false` with the reason.
 * The webhook URL carries its signature in the query string: it is never logged and never appears in an error
 * message.
 */

import { webhookUrlProblem } from '../config/webhookUrl.js';
import { parseRetryAfter } from '../http/retryAfter.js';
import type { Logger } from '../logging/logger.js';
import { InvalidWebhookUrlError, TeamsDeliveryError } from './errors.js';

/** Card sizes, largest first; the card builder trims rows and text to fit each. */
export const CARD_BUDGETS = ['full', 'compact', 'minimal'] as const;
/** One of {@link CARD_BUDGETS}: the size the notifier asks the card builder for. */
export type CardBudget = (typeof CARD_BUDGETS)[number];

/** How to reach the webhook and how hard to retry; only `webhookUrl` is required. */
export interface TeamsNotifierOptions {
  /** The Workflows webhook URL: https, or http on loopback only; its query string is the signature, never logged. */
  webhookUrl: string;
  /** HTTP client, `fetch` by default (tests inject one). */
  fetchImpl?: typeof fetch;
  /** Tries per budget for throttling/5xx/network failures (default 5). */
  maxAttempts?: number;
  /** Waits between retries, a real timer by default (tests inject one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Where delivery progress and retries are logged (the caller's correlation keys); silent when absent. */
  logger?: Logger;
  /** Longest wait honoured from `Retry-After` (default 60 s); asked to wait longer, the notifier gives up. */
  maxRetryAfterMs?: number;
  /** First backoff step when no `Retry-After` is given (default 1 s, doubling, capped at 30 s). */
  baseDelayMs?: number;
  /** Per-request timeout (default 30 s). */
  requestTimeoutMs?: number;
}

/** The outcome of a delivered card. */
export interface TeamsDelivery {
  /** HTTP status Teams accepted the card with (200 or 202). */
  status: number;
  /** HTTP requests made, including retries and smaller-budget rebuilds. */
  attempts: number;
  /** Budget of the card that was accepted. */
  budget: CardBudget;
}

/**
 * Validate a webhook URL: https, or http on loopback only (tests and the demo). The rule is in
 * src/config/webhookUrl.ts, shared with the setting's validation.
 *
 * @throws InvalidWebhookUrlError (the message shows only the scheme and host).
 */
export function validateWebhookUrl(webhookUrl: string): URL {
  const { problem, url } = webhookUrlProblem(webhookUrl);
  if (url) return url;
  throw new InvalidWebhookUrlError(`The Teams webhook URL ${problem}`);
}

/** `https://host/path?<redacted>`: what may appear in messages instead of the secret URL. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?<redacted>' : ''}`;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What a final 4xx means for the operator, named in the outcome. */
const REFUSALS: Record<number, string> = {
  400: 'the workflow rejected the payload',
  401: 'the signature in the webhook URL is not accepted: regenerate the URL',
  403: 'the workflow refuses this caller: check its trigger permissions',
  404: 'the workflow or its trigger URL no longer exists: update TEAMS_WEBHOOK_URL',
  410: 'the workflow was deleted: update TEAMS_WEBHOOK_URL',
};

/** Delivers Teams messages with retries and graceful size reduction. */
export class TeamsNotifier {
  readonly #url: URL;
  readonly #fetch: typeof fetch;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #logger: Logger | undefined;
  readonly #maxRetryAfterMs: number;
  readonly #baseDelayMs: number;
  readonly #timeoutMs: number;

  /** @throws InvalidWebhookUrlError when the URL is not https (or loopback http). */
  constructor(opts: TeamsNotifierOptions) {
    this.#url = validateWebhookUrl(opts.webhookUrl);
    this.#fetch = opts.fetchImpl ?? fetch;
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#logger = opts.logger;
    this.#maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.#baseDelayMs = opts.baseDelayMs ?? 1_000;
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  /** Where messages go, with the signature redacted (safe to log). */
  get target(): string {
    return redactUrl(this.#url);
  }

  /**
   * Build the payload for a budget and POST it; on 413 rebuild with the next smaller budget.
   *
   * @param buildPayload - returns the Workflows payload (`{type:'message', attachments:[...]}`) for a budget.
   * @throws TeamsDeliveryError when every try failed or the webhook refused the message (4xx).
   * @example
   * await notifier.send((budget) => buildTeamsPayload(report, { budget, reportUrl }));
   */
  async send(buildPayload: (budget: CardBudget) => unknown): Promise<TeamsDelivery> {
    let attempts = 0;
    for (const budget of CARD_BUDGETS) {
      const body = JSON.stringify(buildPayload(budget));
      let transient = 0;
      for (;;) {
        attempts++;
        const outcome = await this.#post(body);
        const fields = { attempt: attempts, budget, status: outcome.status, bytes: Buffer.byteLength(body) };
        if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
          this.#logger?.info('Teams message delivered', fields);
          return { status: outcome.status, attempts, budget };
        }
        if (outcome.status === 413) {
          this.#logger?.warn('Teams refused the message as too large; rebuilding it smaller', fields);
          break;
        }
        const retryable =
          outcome.status === null || outcome.status === 408 || outcome.status === 429 || outcome.status >= 500;
        if (!retryable) {
          const why = REFUSALS[outcome.status as number] ?? 'a final refusal: not retried';
          throw new TeamsDeliveryError(
            `Teams webhook ${this.target} refused the message with HTTP ${outcome.status} (${why})`,
            {
              status: outcome.status,
              attempts,
              budget,
              retryable: false,
            },
          );
        }
        transient++;
        if (transient >= this.#maxAttempts) {
          throw new TeamsDeliveryError(
            `Teams webhook ${this.target} failed ${transient} times in a row (last: ${outcome.status === null ? outcome.error : `HTTP ${outcome.status}`})`,
            {
              status: outcome.status,
              attempts,
              budget,
              retryable: true,
              ...(outcome.cause ? { cause: outcome.cause } : {}),
            },
          );
        }
        const delay = this.#delay(transient, outcome.retryAfter);
        if (delay === null) {
          throw new TeamsDeliveryError(
            `Teams webhook ${this.target} answered HTTP ${outcome.status} asking to wait ${outcome.retryAfter?.trim()} (Retry-After), longer than the ${Math.round(this.#maxRetryAfterMs / 1000)} s the notifier waits`,
            { status: outcome.status, attempts, budget, retryable: true },
          );
        }
        this.#logger?.warn('Teams webhook unavailable; retrying', { ...fields, delayMs: delay });
        await this.#sleep(delay);
      }
    }
    throw new TeamsDeliveryError(`Teams webhook ${this.target} refused even the minimal card as too large (HTTP 413)`, {
      status: 413,
      attempts,
      budget: 'minimal',
      retryable: false,
    });
  }

  /** The wait before the next try, or null when Teams asks for more than the bound (retrying sooner is futile). */
  #delay(transientFailures: number, retryAfter: string | null): number | null {
    const hinted = parseRetryAfter(retryAfter);
    if (hinted !== null) return hinted > this.#maxRetryAfterMs ? null : hinted;
    return Math.min(this.#baseDelayMs * 2 ** (transientFailures - 1), 30_000);
  }

  async #post(
    body: string,
  ): Promise<{ status: number | null; retryAfter: string | null; error?: string; cause?: Error }> {
    try {
      const res = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      // Network errors may quote the URL: keep only a redacted message.
      const message = this.#scrub(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      return { status: null, retryAfter: null, error: message, cause: new Error(message) };
    }
  }

  #scrub(text: string): string {
    return text
      .split(this.#url.href)
      .join(this.target)
      .replace(/([?&](?:sig|sp|sv|code)=)[^&\s]+/gi, '$1<redacted>');
  }
}
