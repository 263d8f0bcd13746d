/**
 * Value parsers for settings (zod schemas over the raw environment strings). Each one trims, treats blank as
 * unset, and produces a message that reads after the setting's name ("TRACE_SECONDS: must be between ...").
 * Secret values are never echoed.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { type RangedSetting, SETTING_RANGES } from './ranges.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for https, and for http on loopback only (the simulated world and tests): the rule of every URL setting. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** A Key Vault reference the platform could not resolve stays in the setting as this literal. */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/**
 * Whether a raw setting value is an unresolved Key Vault reference (`@Microsoft.KeyVault(SecretUri=...)`): App
 * Service leaves the literal in place while the identity's access is still propagating, during a vault outage, or
 * after a secret was rotated away. Such a value is a transient problem, not a bad value.
 *
 * @example isUnresolvedKeyVaultReference('@Microsoft.KeyVault(VaultName=kv;SecretName=teams)') // => true
 */
export function isUnresolvedKeyVaultReference(value: string | undefined): boolean {
  return value !== undefined && KEY_VAULT_REFERENCE.test(value.trim());
}

/** Empty or whitespace-only values count as unset. */
export const optionalText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
  z.string().optional(),
);

/** A whole number inside the setting's range from {@link SETTING_RANGES}. */
export const integer = (setting: RangedSetting, fallback: number) => {
  const { min, max } = SETTING_RANGES[setting];
  return optionalText.transform((v, ctx) => {
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
};

/**
 * A yes/no setting: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` (any case); unset gives `fallback`, anything
 * else is an issue naming the value.
 */
export const boolean = (fallback: boolean) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, got "${v}"` });
    return z.NEVER;
  });

/** A comma list; `check` names what is wrong with one item (or null), `normalise` maps the kept items. */
export const list = (check: (item: string) => string | null, normalise: (item: string) => string = (s) => s) =>
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

/** Optional https URL (http allowed on loopback, for the simulated world); trailing slashes dropped. */
export const url = (what: string, opts: { secret?: boolean } = {}) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute ${what} URL${opts.secret ? '' : `, got "${v}"`}` });
      return z.NEVER;
    }
    if (!isHttpsOrLoopback(parsed)) {
      ctx.addIssue({
        code: 'custom',
        message: `must use https (http only for 127.0.0.1/localhost), got ${parsed.protocol}//${parsed.host}`,
      });
      return z.NEVER;
    }
    return v.replace(/\/+$/, '');
  });

/** Optional text matching `pattern`; `what` names the expected shape in the message. */
export const matching = (pattern: RegExp, what: string, normalise: (s: string) => string = (s) => s) =>
  optionalText.transform((v, ctx) => {
    if (v === undefined) return null;
    if (!pattern.test(v)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not ${what}` });
      return z.NEVER;
    }
    return normalise(v);
  });

/** Why a CIDR list item is wrong, or null. */
export function cidrProblem(item: string): string | null {
  return ipaddr.isValidCIDR(item) ? null : 'is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)';
}
