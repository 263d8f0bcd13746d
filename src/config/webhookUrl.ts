/**
 * The Teams webhook URL rule, shared by the TEAMS_WEBHOOK_URL setting (src/config/settings.ts) and the notifier
 * (src/teams/notifier.ts): https, or http on loopback only (tests and the demo). Pure, so configuration validates
 * the URL without importing the Teams adapter. Messages show only the scheme and host: the URL's query is a secret.
 */

import { isHttpsOrLoopback } from './values.js';

/**
 * Why `webhookUrl` is not an acceptable Teams webhook URL (a phrase that follows "The Teams webhook URL"), or
 * null with the parsed URL when it is.
 *
 * @example webhookUrlProblem('http://example.com/x').problem // 'must use https (got http://example.com); ...'
 */
export function webhookUrlProblem(webhookUrl: string): { problem: string; url: null } | { problem: null; url: URL } {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    return { problem: 'is not a valid absolute URL', url: null };
  }
  if (isHttpsOrLoopback(url)) return { problem: null, url };
  return {
    problem: `must use https (got ${url.protocol}//${url.host}); http is accepted only for 127.0.0.1/localhost`,
    url: null,
  };
}
