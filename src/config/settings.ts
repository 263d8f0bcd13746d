/**
 * The responder's configuration: one registry of settings ({@link SETTING_SPECS}), one loader, typed slices per
 * consumer. Values come from an env-like record (Function App settings, `process.env`) with explicit overrides
 * (CLI flags mapped to the same names) winning; every error names the setting.
 *
 * Each setting belongs to one slice, and the slice decides what a bad value does:
 * - `notify` problems turn notifications off (a warning at start-up and in every report); nothing else stops;
 * - `store` problems surface when a report is stored ({@link reportStorage} throws), so intake and capture go on;
 * - every other slice refuses to load. An unresolved Key Vault reference is marked transient (answer 503, retry).
 *
 * Adding a setting is one entry in {@link SETTING_SPECS} (plus its row in docs/configuration.md): the types,
 * defaults, slices, secrets and start-up log follow from it.
 */
import { z } from 'zod';
import { isManagedClusterId } from '../azure/arm/clusterId.js';
import { SettingsError, type SettingsIssue } from './errors.js';
import { pinnedImageProblem } from './imageReference.js';
import { inRange, type RangedSetting } from './ranges.js';
import {
  boolean,
  cidrProblem,
  integer,
  isUnresolvedKeyVaultReference,
  list,
  matching,
  optionalText,
  url,
} from './values.js';
import { webhookUrlProblem } from './webhookUrl.js';

/** The consumers settings are sliced for. */
export const SETTING_SLICES = [
  'intake',
  'capture',
  'store',
  'notify',
  'analysis',
  'azure',
  'sweep',
  'proactive',
  'telemetry',
] as const;
/** One of {@link SETTING_SLICES}: the part of the settings one consumer reads, validated on its own. */
export type SliceName = (typeof SETTING_SLICES)[number];

/** Slices whose values sit under their own property (`settings.proactive.scanMinutes`), not at the top level. */
const NESTED_SLICES = ['proactive'] as const;
type NestedSlice = (typeof NESTED_SLICES)[number];
const isNested = (slice: SliceName): slice is NestedSlice => (NESTED_SLICES as readonly string[]).includes(slice);

/** What a bad value in a slice does: refuse to load, fail when the slice is used, or turn the feature off. */
const SLICE_POLICY = {
  intake: 'required',
  capture: 'required',
  analysis: 'required',
  azure: 'required',
  sweep: 'required',
  proactive: 'required',
  store: 'deferred',
  notify: 'optional',
  // Read on its own at start-up (functions/telemetry.ts): a bad value turns the export off there, with a warning.
  telemetry: 'own',
} as const satisfies Record<SliceName, 'required' | 'deferred' | 'optional' | 'own'>;

interface SettingSpec {
  slice: SliceName;
  /** The property name in {@link Settings} and in the slice. */
  key: string;
  /** Parses the raw string (undefined when unset) into the typed value, defaults included. */
  schema: z.ZodType;
  /** The default when unset (documented in configuration.md); absent means null/empty. */
  default?: unknown;
  /** Never logged, never echoed in an error. */
  secret?: true;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/** A ranged whole number with its default (range from ranges.ts). */
const ranged = <D extends number>(setting: RangedSetting, fallback: D) => ({
  default: fallback,
  schema: integer(setting, fallback),
});

/** A text setting with a default, checked against `pattern`. */
const named = <D extends string>(fallback: D, pattern: RegExp, message: (v: string) => string) => ({
  default: fallback,
  schema: optionalText.transform((v, ctx) => {
    const value = v ?? fallback;
    if (!pattern.test(value)) {
      ctx.addIssue({ code: 'custom', message: message(value) });
      return z.NEVER;
    }
    return value;
  }),
});

/**
 * Every setting the responder reads, by its environment name. Add a setting here (one entry) and document it in
 * docs/configuration.md; a numeric one also gets its range in ranges.ts.
 */
export const SETTING_SPECS = {
  REPORTS_ACCOUNT_URL: { slice: 'store', key: 'reportsAccountUrl', schema: url('Blob account') },
  REPORTS_CONNECTION_STRING: {
    slice: 'store',
    key: 'reportsConnectionString',
    secret: true,
    schema: optionalText.transform((v, ctx) => {
      if (v === undefined) return null;
      const ok =
        /(^|;)\s*UseDevelopmentStorage=true\s*(;|$)/i.test(v) || /(^|;)\s*(AccountName|BlobEndpoint)=/i.test(v);
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
  },
  REPORTS_CONTAINER: {
    slice: 'store',
    key: 'reportsContainer',
    ...named(
      'reports',
      CONTAINER_NAME,
      (v) => `"${v}" is not a valid container name (3-63 lowercase letters, digits and single hyphens)`,
    ),
  },
  STORE_RETRY_MINUTES: { slice: 'store', key: 'storeRetryMinutes', ...ranged('STORE_RETRY_MINUTES', 30) },
  REPORT_BASE_URL: { slice: 'store', key: 'reportBaseUrl', schema: url('report base') },
  REPORT_LINK_EXPIRY_HOURS: {
    slice: 'store',
    key: 'reportLinkExpiryHours',
    ...ranged('REPORT_LINK_EXPIRY_HOURS', 72),
  },
  TEAMS_WEBHOOK_URL: {
    slice: 'notify',
    key: 'teamsWebhookUrl',
    secret: true,
    schema: optionalText.transform((v, ctx) => {
      if (v === undefined) return null;
      const { problem } = webhookUrlProblem(v);
      if (problem !== null) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return v;
    }),
  },
  TRACE_SECONDS: { slice: 'capture', key: 'traceSeconds', ...ranged('TRACE_SECONDS', 60) },
  COOLDOWN_MINUTES: { slice: 'intake', key: 'cooldownMinutes', ...ranged('COOLDOWN_MINUTES', 15) },
  ALLOWED_SUBSCRIPTION_IDS: {
    slice: 'intake',
    key: 'allowedSubscriptionIds',
    schema: list(
      (s) => (GUID.test(s) ? null : 'is not a subscription id (GUID)'),
      (s) => s.toLowerCase(),
    ),
  },
  ALLOWED_ALERT_RULE_IDS: {
    slice: 'intake',
    key: 'allowedAlertRuleIds',
    schema: list(
      (s) => (/\s/.test(s) ? 'contains spaces (use the rule resource id or rule name)' : null),
      (s) => s.toLowerCase(),
    ),
  },
  WORST_NODES_COUNT: { slice: 'intake', key: 'worstNodesCount', ...ranged('WORST_NODES_COUNT', 1) },
  ALERT_MAX_AGE_MINUTES: { slice: 'intake', key: 'alertMaxAgeMinutes', ...ranged('ALERT_MAX_AGE_MINUTES', 60) },
  ALERT_MAX_FUTURE_SKEW_MINUTES: {
    slice: 'intake',
    key: 'alertMaxFutureSkewMinutes',
    ...ranged('ALERT_MAX_FUTURE_SKEW_MINUTES', 5),
  },
  MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR: {
    slice: 'intake',
    key: 'maxInvestigationsPerClusterPerHour',
    ...ranged('MAX_INVESTIGATIONS_PER_CLUSTER_PER_HOUR', 12),
  },
  CAPTURE_NAMESPACE: {
    slice: 'capture',
    key: 'captureNamespace',
    ...named('snat-responder', DNS_LABEL, (v) => `"${v}" is not a Kubernetes namespace name (DNS-1123 label)`),
  },
  CAPTURE_IMAGE: {
    slice: 'capture',
    key: 'captureImage',
    // Only a digest reference: what runs privileged on a node must not change under the same name.
    schema: optionalText.transform((v, ctx) => {
      if (v === undefined) return null;
      const problem = pinnedImageProblem(v);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `"${v.length > 120 ? `${v.slice(0, 117)}...` : v}" ${problem}` });
        return z.NEVER;
      }
      return v;
    }),
  },
  MAX_CONCURRENT_CAPTURES: { slice: 'capture', key: 'maxConcurrentCaptures', ...ranged('MAX_CONCURRENT_CAPTURES', 3) },
  NETSTAT_CONCURRENCY: { slice: 'capture', key: 'netstatConcurrency', ...ranged('NETSTAT_CONCURRENCY', 16) },
  NETSTAT_MAX_PODS: { slice: 'capture', key: 'netstatMaxPods', ...ranged('NETSTAT_MAX_PODS', 250) },
  CAPACITY_WAIT_MINUTES: { slice: 'capture', key: 'capacityWaitMinutes', ...ranged('CAPACITY_WAIT_MINUTES', 30) },
  EXEC_WAVE_SIZE: { slice: 'capture', key: 'execWaveSize', ...ranged('EXEC_WAVE_SIZE', 8) },
  ALLOW_INSTALL_NET_TOOLS: {
    slice: 'capture',
    key: 'allowInstallNetTools',
    default: false,
    schema: boolean(false),
  },
  /** Netstat inside pods (pod exec). Off: the node-side socket tables are the source and nothing execs. */
  ALLOW_POD_EXEC: { slice: 'capture', key: 'allowPodExec', default: false, schema: boolean(false) },
  /** Accept clusters without Entra ID and kubeconfigs with local credentials (admin-grade). Off: refused. */
  ALLOW_ADMIN_CREDENTIALS: { slice: 'azure', key: 'allowAdminCredentials', default: false, schema: boolean(false) },
  SWEEP_CLUSTER_IDS: {
    slice: 'sweep',
    key: 'sweepClusterIds',
    schema: list((s) => (isManagedClusterId(s) ? null : 'is not an AKS cluster resource id')),
  },
  PRIVATE_CIDRS: { slice: 'analysis', key: 'privateCidrs', schema: list(cidrProblem) },
  AZURE_SERVICE_CIDRS: { slice: 'analysis', key: 'azureServiceCidrs', schema: list(cidrProblem) },
  ARM_ENDPOINT: { slice: 'azure', key: 'armEndpoint', schema: url('ARM') },
  AZURE_CLIENT_ID: {
    slice: 'azure',
    key: 'azureClientId',
    schema: matching(GUID, 'a client id (GUID)', (v) => v.toLowerCase()),
  },
  PROACTIVE_CLUSTER_IDS: {
    slice: 'proactive',
    key: 'clusterIds',
    schema: list((s) => (isManagedClusterId(s) ? null : 'is not an AKS cluster resource id')),
  },
  PROACTIVE_SCAN_MINUTES: { slice: 'proactive', key: 'scanMinutes', ...ranged('PROACTIVE_SCAN_MINUTES', 5) },
  PROACTIVE_LOOKBACK_MINUTES: {
    slice: 'proactive',
    key: 'lookbackMinutes',
    ...ranged('PROACTIVE_LOOKBACK_MINUTES', 30),
  },
  PROACTIVE_HORIZON_MINUTES: { slice: 'proactive', key: 'horizonMinutes', ...ranged('PROACTIVE_HORIZON_MINUTES', 15) },
  PROACTIVE_THRESHOLD_PERCENT: {
    slice: 'proactive',
    key: 'thresholdPercent',
    ...ranged('PROACTIVE_THRESHOLD_PERCENT', 90),
  },
  FLEET_MAX_INCIDENTS: { slice: 'proactive', key: 'fleetMaxIncidents', ...ranged('FLEET_MAX_INCIDENTS', 200) },
  /** Application Insights (set by the platform): logs are exported with custom dimensions; unset, nothing is. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: {
    slice: 'telemetry',
    key: 'appInsightsConnectionString',
    secret: true,
    schema: optionalText.transform((v, ctx) => {
      if (v === undefined) return null;
      if (!/(^|;)\s*InstrumentationKey\s*=\s*[0-9a-f-]{36}\s*(;|$)/i.test(v)) {
        // Never echo the value.
        ctx.addIssue({ code: 'custom', message: 'is not an Application Insights connection string' });
        return z.NEVER;
      }
      return v;
    }),
  },
  /** `Authorization=AAD;ClientId=<guid>`: export with Entra ID (the resource disables local auth). */
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: {
    slice: 'telemetry',
    key: 'appInsightsAuthentication',
    schema: optionalText.transform((v, ctx) => {
      if (v === undefined) return null;
      const parts = new Map(
        v.split(';').flatMap((kv) => {
          const at = kv.indexOf('=');
          return at > 0 ? [[kv.slice(0, at).trim().toLowerCase(), kv.slice(at + 1).trim()] as const] : [];
        }),
      );
      const clientId = parts.get('clientid');
      if (parts.get('authorization')?.toUpperCase() !== 'AAD' || (clientId !== undefined && !GUID.test(clientId))) {
        ctx.addIssue({ code: 'custom', message: 'must be Authorization=AAD with an optional ClientId=<guid>' });
        return z.NEVER;
      }
      return { clientId: clientId?.toLowerCase() ?? null };
    }),
  },
} as const satisfies Record<string, SettingSpec>;

type Specs = typeof SETTING_SPECS;
/** An environment variable the product reads, e.g. `TRACE_SECONDS`: the keys of the one settings table. */
export type SettingName = keyof Specs;
type ValueOf<N extends SettingName> = z.output<Specs[N]['schema']>;
type NamesIn<S extends SliceName> = { [N in SettingName]: Specs[N]['slice'] extends S ? N : never }[SettingName];

/** The typed values of one slice, e.g. `SettingsSlice<'intake'>` for the alert intake. */
export type SettingsSlice<S extends SliceName> = { -readonly [N in NamesIn<S> as Specs[N]['key']]: ValueOf<N> };

type TopLevelName = Exclude<SettingName, NamesIn<NestedSlice>>;
/** Every top-level setting's typed value, by property name (nested slices are under their own property). */
export type SettingValues = { -readonly [N in TopLevelName as Specs[N]['key']]: ValueOf<N> };

/** The proactive watch's slice (timer function and fleet view): `settings.proactive`. */
export type ProactiveSettings = SettingsSlice<'proactive'>;

/** The validated configuration: every value, plus what the lenient slices turned off. */
export type Settings = SettingValues & {
  /** The proactive watch (timer function) and the fleet view; an empty `clusterIds` turns it off. */
  proactive: ProactiveSettings;
  /**
   * Why notifications are off although a Teams setting was given (invalid, or an unresolved Key Vault
   * reference); null when notifications are on or simply not configured. Safe to show: never holds the secret.
   */
  notifyProblem: string | null;
  /** Invalid or unresolved storage settings: storing a report fails with them ({@link reportStorage}). */
  storeProblems: SettingsIssue[];
};

/** Every setting the responder reads, by its environment name. */
export const SETTING_NAMES = Object.keys(SETTING_SPECS) as SettingName[];

/** Settings that hold secrets: never log their values. */
export const SECRET_SETTINGS: readonly SettingName[] = SETTING_NAMES.filter(
  (n) => (SETTING_SPECS[n] as SettingSpec).secret === true,
);

type Defaulted = { [N in SettingName]: Specs[N] extends { default: unknown } ? N : never }[SettingName];
/** Defaults applied when a setting is absent or empty. */
export const SETTING_DEFAULTS = Object.fromEntries(
  SETTING_NAMES.flatMap((n) => {
    const spec = SETTING_SPECS[n] as SettingSpec;
    return 'default' in spec ? [[n, spec.default]] : [];
  }),
) as { readonly [N in Defaulted]: Specs[N] extends { default: infer D } ? D : never };

/** The settings of one slice, by environment name. */
export function settingsOf(slice: SliceName): SettingName[] {
  return SETTING_NAMES.filter((n) => SETTING_SPECS[n].slice === slice);
}

/** Raw values: overrides win over the environment; `undefined` overrides are ignored. */
export type SettingOverrides = Partial<Record<SettingName, string | undefined>>;

const UNRESOLVED_KEY_VAULT =
  'is an unresolved Key Vault reference: the app could not read the secret (access still propagating, vault ' +
  'unreachable, or the secret was removed); the platform retries the reference';

interface Parsed {
  values: Record<string, unknown>;
  issues: Array<SettingsIssue & { slice: SliceName }>;
}

function parse(names: readonly SettingName[], env: Record<string, string | undefined>, overrides: SettingOverrides) {
  const out: Parsed = { values: {}, issues: [] };
  for (const name of names) {
    const spec = SETTING_SPECS[name] as SettingSpec;
    const raw = overrides[name] ?? env[name];
    // A failed value still gets its unset value, so a lenient slice can go on without it.
    const fallback = () => spec.schema.parse(undefined);
    if (isUnresolvedKeyVaultReference(raw)) {
      out.issues.push({ setting: name, message: UNRESOLVED_KEY_VAULT, transient: true, slice: spec.slice });
      out.values[spec.key] = fallback();
      continue;
    }
    const result = spec.schema.safeParse(raw);
    if (result.success) {
      out.values[spec.key] = result.data;
    } else {
      for (const issue of result.error.issues)
        out.issues.push({ setting: name, message: issue.message, slice: spec.slice });
      out.values[spec.key] = fallback();
    }
  }
  if (out.values.reportsAccountUrl && out.values.reportsConnectionString) {
    out.issues.push({
      setting: 'REPORTS_ACCOUNT_URL',
      message: 'set either REPORTS_ACCOUNT_URL (managed identity) or REPORTS_CONNECTION_STRING, not both',
      slice: 'store',
    });
  }
  return out;
}

const plainIssue = ({ setting, message, transient }: SettingsIssue): SettingsIssue => ({
  setting,
  message,
  ...(transient ? { transient } : {}),
});

/**
 * Read and validate the settings once. Notification problems turn notifications off (see `notifyProblem`);
 * storage problems are kept for {@link reportStorage}; anything else throws.
 *
 * @param env - `process.env` or the Function App settings.
 * @param overrides - values that win over `env` (CLI flags mapped to setting names); `undefined` entries are ignored.
 * @throws SettingsError listing every invalid intake, capture, analysis or Azure setting by name
 *   (`transient` when each is an unresolved Key Vault reference).
 * @example
 * const settings = loadSettings(process.env, { TRACE_SECONDS: opts.traceSeconds });
 */
export function loadSettings(env: Record<string, string | undefined>, overrides: SettingOverrides = {}): Settings {
  const { values, issues } = parse(SETTING_NAMES, env, overrides);
  const fatal = issues.filter((i) => SLICE_POLICY[i.slice] === 'required');
  if (fatal.length > 0) throw new SettingsError(fatal.map(plainIssue));
  const notify = issues.filter((i) => SLICE_POLICY[i.slice] === 'optional');
  const nested = new Set(
    SETTING_NAMES.filter((n) => isNested(SETTING_SPECS[n].slice)).map((n) => SETTING_SPECS[n].key as string),
  );
  const topLevel = Object.fromEntries(Object.entries(values).filter(([key]) => !nested.has(key)));
  return {
    ...(topLevel as SettingValues),
    proactive: pick(values, 'proactive'),
    teamsWebhookUrl: notify.length > 0 ? null : (values.teamsWebhookUrl as string | null),
    notifyProblem:
      notify.length > 0
        ? `Teams notifications are off: ${notify.map((i) => `${i.setting} ${i.message}`).join('; ')}`
        : null,
    storeProblems: issues.filter((i) => SLICE_POLICY[i.slice] === 'deferred').map(plainIssue),
  };
}

/**
 * Read and validate one slice only, strictly: a consumer that needs nothing else (the alert intake, the CLI's
 * capture flags) is not stopped by a problem elsewhere.
 *
 * @throws SettingsError naming each invalid setting of the slice (`transient` for unresolved Key Vault references).
 * @example
 * const intake = loadSlice('intake', process.env); // { cooldownMinutes, allowedSubscriptionIds, ... }
 */
export function loadSlice<S extends SliceName>(
  slice: S,
  env: Record<string, string | undefined>,
  overrides: SettingOverrides = {},
): SettingsSlice<S> {
  const { values, issues } = parse(settingsOf(slice), env, overrides);
  if (issues.length > 0) throw new SettingsError(issues.map(plainIssue));
  return values as SettingsSlice<S>;
}

/**
 * The values of one slice from loaded settings.
 *
 * @example const capture = sliceOf(settings, 'capture'); // { traceSeconds, captureNamespace, ... }
 */
export function sliceOf<S extends SliceName>(settings: Settings, slice: S): SettingsSlice<S> {
  const values = (isNested(slice) ? settings[slice] : settings) as unknown as Record<string, unknown>;
  return pick(values, slice);
}

/** The values of `slice` out of a record keyed by property name. */
function pick<S extends SliceName>(values: Record<string, unknown>, slice: S): SettingsSlice<S> {
  return Object.fromEntries(
    settingsOf(slice).map((n) => [SETTING_SPECS[n].key, values[SETTING_SPECS[n].key]]),
  ) as SettingsSlice<S>;
}

/**
 * The proactive timer's NCRONTAB schedule (second 0 of every Nth minute), read from `PROACTIVE_SCAN_MINUTES` alone:
 * the timer is registered when the app loads, before (and whatever) the rest of the settings say. A value outside
 * its range falls back to the default here and is reported by {@link loadSettings} when the timer runs. Values
 * that divide 60 give an even cadence (the minute counter restarts each hour).
 *
 * @example proactiveSchedule({ PROACTIVE_SCAN_MINUTES: '10' }) // '0 *\/10 * * * *'
 */
export function proactiveSchedule(env: Record<string, string | undefined>): string {
  const raw = env.PROACTIVE_SCAN_MINUTES?.trim() ?? '';
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const minutes = inRange('PROACTIVE_SCAN_MINUTES', n) ? n : SETTING_DEFAULTS.PROACTIVE_SCAN_MINUTES;
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
 * @throws SettingsError naming the invalid storage setting (transient for an unresolved Key Vault reference), or
 *   REPORTS_ACCOUNT_URL when neither storage setting is set.
 */
export function reportStorage(settings: Settings): ReportStorageTarget {
  if (settings.storeProblems.length > 0) throw new SettingsError(settings.storeProblems);
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
 * A log-safe view of the effective settings (secrets replaced by `<set>`/`<not set>`) by environment name, plus
 * start-up notes, e.g. that Teams notifications are off and why.
 *
 * @example
 * const { values, notes } = describeSettings(loadSettings(process.env));
 */
export function describeSettings(settings: Settings): { values: Record<string, unknown>; notes: string[] } {
  const values: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const { key, slice } = SETTING_SPECS[name];
    const all = (isNested(slice) ? settings[slice] : settings) as unknown as Record<string, unknown>;
    values[name] = SECRET_SETTINGS.includes(name) ? (all[key] ? '<set>' : '<not set>') : all[key];
  }
  const notes: string[] = [];
  if (settings.notifyProblem) notes.push(`${settings.notifyProblem}.`);
  else if (!settings.teamsWebhookUrl) notes.push('Teams notifications are off: TEAMS_WEBHOOK_URL is not set.');
  if (settings.storeProblems.length > 0) {
    notes.push(`Reports cannot be stored until fixed: ${new SettingsError(settings.storeProblems).message}.`);
  } else if (!settings.reportsAccountUrl && !settings.reportsConnectionString) {
    notes.push(
      'Report storage is not configured (REPORTS_ACCOUNT_URL or REPORTS_CONNECTION_STRING): storing a report will fail.',
    );
  }
  if (settings.allowPodExec) {
    notes.push(
      'ALLOW_POD_EXEC is on: netstat runs inside candidate pods (apply infra/k8s/optional/ so RBAC and admission allow only the two fixed commands).',
    );
  }
  if (settings.allowAdminCredentials) {
    notes.push(
      'ALLOW_ADMIN_CREDENTIALS is on: clusters without Entra ID, and kubeconfigs with client certificates, are accepted.',
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
