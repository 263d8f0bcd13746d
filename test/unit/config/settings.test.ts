import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../src/config/errors.js';
import { SETTING_RANGES } from '../../../src/config/ranges.js';
import {
  describeSettings,
  loadSettings,
  loadSlice,
  proactiveSchedule,
  reportStorage,
  SECRET_SETTINGS,
  SETTING_DEFAULTS,
  SETTING_NAMES,
  sliceOf,
} from '../../../src/config/settings.js';

const SUB = '5A3C7F2E-1B8D-4E6F-9A0C-2D4B6E8F0A1C';
const CONN =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

function errorOf(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error('expected a SettingsError');
}

describe('loadSettings', () => {
  describe('defaults', () => {
    it('applies every default on an empty environment', () => {
      const s = loadSettings({});
      expect(s).toEqual({
        reportsAccountUrl: null,
        reportsConnectionString: null,
        reportsContainer: 'reports',
        storeRetryMinutes: 30,
        teamsWebhookUrl: null,
        traceSeconds: 60,
        cooldownMinutes: 15,
        alertMaxAgeMinutes: 60,
        alertMaxFutureSkewMinutes: 5,
        maxInvestigationsPerClusterPerHour: 12,
        capacityWaitMinutes: 30,
        execWaveSize: 8,
        allowedSubscriptionIds: [],
        allowedAlertRuleIds: [],
        captureNamespace: 'snat-responder',
        captureImage: null,
        maxConcurrentCaptures: 3,
        netstatConcurrency: 16,
        netstatMaxPods: 250,
        worstNodesCount: 1,
        allowInstallNetTools: false,
        allowPodExec: false,
        allowAdminCredentials: false,
        privateCidrs: [],
        azureServiceCidrs: [],
        sweepClusterIds: [],
        reportBaseUrl: null,
        reportLinkExpiryHours: 72,
        armEndpoint: null,
        azureClientId: null,
        appInsightsConnectionString: null,
        appInsightsAuthentication: null,
        proactive: {
          clusterIds: [],
          scanMinutes: 5,
          lookbackMinutes: 30,
          horizonMinutes: 15,
          thresholdPercent: 90,
          fleetMaxIncidents: 200,
        },
        notifyProblem: null,
        storeProblems: [],
      });
      expect(SETTING_DEFAULTS.TRACE_SECONDS).toBe(s.traceSeconds);
    });

    it('bounds the report link lifetime to 7 days (the longest a user delegation key lives)', () => {
      expect(loadSettings({ REPORT_LINK_EXPIRY_HOURS: '168' }).reportLinkExpiryHours).toBe(168);
      // A store-slice problem surfaces when a report is stored (and linked), not at start-up.
      for (const bad of ['169', '0']) {
        const settings = loadSettings({ REPORT_LINK_EXPIRY_HOURS: bad, REPORTS_CONNECTION_STRING: CONN });
        expect(() => reportStorage(settings)).toThrow(/REPORT_LINK_EXPIRY_HOURS/);
      }
    });

    it('treats empty and blank values as unset', () => {
      expect(loadSettings({ TRACE_SECONDS: '  ', REPORTS_CONTAINER: '' })).toMatchObject({
        traceSeconds: 60,
        reportsContainer: 'reports',
      });
    });
  });

  describe('precedence', () => {
    it('lets overrides (CLI flags) win over the environment', () => {
      const s = loadSettings({ TRACE_SECONDS: '30', WORST_NODES_COUNT: '2' }, { TRACE_SECONDS: '90' });
      expect(s.traceSeconds).toBe(90);
      expect(s.worstNodesCount).toBe(2);
    });

    it('ignores undefined overrides', () => {
      expect(loadSettings({ TRACE_SECONDS: '30' }, { TRACE_SECONDS: undefined }).traceSeconds).toBe(30);
    });

    it('validates overrides like the environment', () => {
      expect(errorOf(() => loadSettings({}, { TRACE_SECONDS: '1' })).setting).toBe('TRACE_SECONDS');
    });
  });

  describe('report storage', () => {
    it('accepts an https account URL and trims a trailing slash', () => {
      const s = loadSettings({ REPORTS_ACCOUNT_URL: 'https://streports.blob.core.windows.net/' });
      expect(s.reportsAccountUrl).toBe('https://streports.blob.core.windows.net');
      expect(reportStorage(s)).toEqual({
        kind: 'accountUrl',
        accountUrl: 'https://streports.blob.core.windows.net',
        container: 'reports',
      });
    });

    it('rejects a plain-http account URL off loopback', () => {
      const err = errorOf(() =>
        reportStorage(loadSettings({ REPORTS_ACCOUNT_URL: 'http://streports.blob.core.windows.net' })),
      );
      expect(err.setting).toBe('REPORTS_ACCOUNT_URL');
      expect(err.message).toMatch(/^REPORTS_ACCOUNT_URL: must use https/);
    });

    it('accepts a connection string and never echoes an invalid one', () => {
      expect(reportStorage(loadSettings({ REPORTS_CONNECTION_STRING: CONN })).kind).toBe('connectionString');
      expect(loadSettings({ REPORTS_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).reportsConnectionString).toBe(
        'UseDevelopmentStorage=true',
      );
      const err = errorOf(() => reportStorage(loadSettings({ REPORTS_CONNECTION_STRING: 'AccountKey=topsecret' })));
      expect(err.setting).toBe('REPORTS_CONNECTION_STRING');
      expect(err.message).not.toContain('topsecret');
    });

    it('refuses both storage settings at once', () => {
      const err = errorOf(() =>
        reportStorage(
          loadSettings({ REPORTS_ACCOUNT_URL: 'https://a.blob.core.windows.net', REPORTS_CONNECTION_STRING: CONN }),
        ),
      );
      expect(err.message).toMatch(/REPORTS_ACCOUNT_URL.*not both/);
    });

    it('loads without storage and fails only when storage is used, naming the settings', () => {
      const s = loadSettings({});
      const err = errorOf(() => reportStorage(s));
      expect(err.setting).toBe('REPORTS_ACCOUNT_URL');
      expect(err.message).toMatch(/REPORTS_CONNECTION_STRING/);
    });

    it('validates the container name', () => {
      expect(loadSettings({ REPORTS_CONTAINER: 'snat-reports' }).reportsContainer).toBe('snat-reports');
      for (const bad of ['ab', 'Reports', 'a--b', '-abc', 'x'.repeat(64)]) {
        expect(errorOf(() => reportStorage(loadSettings({ REPORTS_CONTAINER: bad }))).setting).toBe(
          'REPORTS_CONTAINER',
        );
      }
    });
  });

  describe('TEAMS_WEBHOOK_URL', () => {
    it('is optional and reported as off in the notes', () => {
      const s = loadSettings({});
      expect(s.teamsWebhookUrl).toBeNull();
      expect(describeSettings(s).notes.join(' ')).toMatch(/Teams notifications are off: TEAMS_WEBHOOK_URL/);
    });

    it('must be https; a bad one turns notifications off with the reason, never echoing it', () => {
      const s = loadSettings({ TEAMS_WEBHOOK_URL: 'http://example.com/hook?sig=topsecret' });
      expect(s.teamsWebhookUrl).toBeNull();
      expect(s.notifyProblem).toMatch(/^Teams notifications are off: TEAMS_WEBHOOK_URL must use https/);
      expect(JSON.stringify(describeSettings(s))).not.toContain('topsecret');
      expect(describeSettings(s).notes[0]).toBe(`${s.notifyProblem}.`);
      expect(loadSettings({ TEAMS_WEBHOOK_URL: 'https://x.logic.azure.com/w?sig=abc' }).teamsWebhookUrl).toMatch(
        /^https:/,
      );
    });
  });

  describe('numbers', () => {
    it('enforces TRACE_SECONDS 5..600', () => {
      expect(loadSettings({ TRACE_SECONDS: '5' }).traceSeconds).toBe(5);
      expect(loadSettings({ TRACE_SECONDS: '600' }).traceSeconds).toBe(600);
      expect(errorOf(() => loadSettings({ TRACE_SECONDS: '4' })).message).toBe(
        'TRACE_SECONDS: must be between 5 and 600, got 4',
      );
      expect(errorOf(() => loadSettings({ TRACE_SECONDS: '601' })).setting).toBe('TRACE_SECONDS');
      expect(errorOf(() => loadSettings({ TRACE_SECONDS: '60s' })).message).toMatch(/whole number/);
      expect(errorOf(() => loadSettings({ TRACE_SECONDS: '1.5' })).setting).toBe('TRACE_SECONDS');
    });

    it.each([
      ['COOLDOWN_MINUTES', '1', '0', 'cooldownMinutes', 1],
      ['MAX_CONCURRENT_CAPTURES', '10', '0', 'maxConcurrentCaptures', 10],
      ['NETSTAT_CONCURRENCY', '32', '129', 'netstatConcurrency', 32],
      ['NETSTAT_MAX_PODS', '1000', '0', 'netstatMaxPods', 1000],
      ['WORST_NODES_COUNT', '3', '21', 'worstNodesCount', 3],
    ] as const)('validates %s', (name, good, bad, key, expected) => {
      expect(loadSettings({ [name]: good })[key]).toBe(expected);
      expect(errorOf(() => loadSettings({ [name]: bad })).setting).toBe(name);
    });
  });

  describe('lists', () => {
    it('parses, trims, lower-cases and de-duplicates subscription ids', () => {
      expect(
        loadSettings({ ALLOWED_SUBSCRIPTION_IDS: ` ${SUB}, ${SUB.toLowerCase()} ,` }).allowedSubscriptionIds,
      ).toEqual([SUB.toLowerCase()]);
      const err = errorOf(() => loadSettings({ ALLOWED_SUBSCRIPTION_IDS: `${SUB},not-a-guid` }));
      expect(err.message).toBe('ALLOWED_SUBSCRIPTION_IDS: "not-a-guid" is not a subscription id (GUID)');
    });

    it('accepts alert rule ids or names', () => {
      const rule = `/subscriptions/${SUB}/resourceGroups/rg/providers/microsoft.insights/metricAlerts/SNAT`;
      expect(loadSettings({ ALLOWED_ALERT_RULE_IDS: `${rule},snat-high` }).allowedAlertRuleIds).toEqual([
        rule.toLowerCase(),
        'snat-high',
      ]);
      expect(errorOf(() => loadSettings({ ALLOWED_ALERT_RULE_IDS: 'two words' })).setting).toBe(
        'ALLOWED_ALERT_RULE_IDS',
      );
    });

    it('validates CIDR lists', () => {
      expect(loadSettings({ PRIVATE_CIDRS: '100.64.0.0/10, fd00::/8' }).privateCidrs).toEqual([
        '100.64.0.0/10',
        'fd00::/8',
      ]);
      expect(loadSettings({ AZURE_SERVICE_CIDRS: '20.60.0.0/16' }).azureServiceCidrs).toEqual(['20.60.0.0/16']);
      expect(errorOf(() => loadSettings({ PRIVATE_CIDRS: '10.0.0.0' })).setting).toBe('PRIVATE_CIDRS');
      expect(errorOf(() => loadSettings({ AZURE_SERVICE_CIDRS: '20.60.0.0/33' })).setting).toBe('AZURE_SERVICE_CIDRS');
    });
  });

  describe('capture', () => {
    it('validates the namespace as a DNS-1123 label', () => {
      expect(loadSettings({ CAPTURE_NAMESPACE: 'ops-snat' }).captureNamespace).toBe('ops-snat');
      expect(errorOf(() => loadSettings({ CAPTURE_NAMESPACE: 'Ops_Snat' })).setting).toBe('CAPTURE_NAMESPACE');
    });

    it('accepts an image pinned by digest (with or without a tag, any registry) and nothing else', () => {
      const digest = `sha256:${'a'.repeat(64)}`;
      for (const image of [
        `mcr.microsoft.com/azurelinux/base/core:3.0@${digest}`,
        `mcr.microsoft.com/azurelinux/base/core@${digest}`,
        `myregistry.azurecr.io:5000/mirror/core@${digest}`,
      ]) {
        expect(loadSettings({ CAPTURE_IMAGE: image }).captureImage).toBe(image);
      }
      for (const image of [
        'mcr.microsoft.com/azurelinux/base/core:3.0',
        'my image',
        `core@sha256:${'a'.repeat(63)}`,
        `core@sha256:${'A'.repeat(64)}`,
        `core@md5:${'a'.repeat(32)}`,
        `core:3.0@${digest};rm -rf /`,
      ]) {
        const err = errorOf(() => loadSettings({ CAPTURE_IMAGE: image }));
        expect(err.setting, image).toBe('CAPTURE_IMAGE');
        expect(err.message, image).toMatch(/pinned by digest/);
      }
    });

    it('keeps pod exec and admin credentials off by default and notes when they are on', () => {
      expect(loadSettings({})).toMatchObject({ allowPodExec: false, allowAdminCredentials: false });
      const on = loadSettings({ ALLOW_POD_EXEC: 'true', ALLOW_ADMIN_CREDENTIALS: 'yes' });
      expect(on).toMatchObject({ allowPodExec: true, allowAdminCredentials: true });
      const notes = describeSettings(on).notes.join(' ');
      expect(notes).toMatch(/ALLOW_POD_EXEC is on/);
      expect(notes).toMatch(/ALLOW_ADMIN_CREDENTIALS is on/);
      expect(errorOf(() => loadSettings({ ALLOW_POD_EXEC: 'sometimes' })).setting).toBe('ALLOW_POD_EXEC');
    });

    it('parses ALLOW_INSTALL_NET_TOOLS booleans strictly and notes the risk', () => {
      expect(loadSettings({ ALLOW_INSTALL_NET_TOOLS: 'TRUE' }).allowInstallNetTools).toBe(true);
      expect(loadSettings({ ALLOW_INSTALL_NET_TOOLS: '0' }).allowInstallNetTools).toBe(false);
      expect(errorOf(() => loadSettings({ ALLOW_INSTALL_NET_TOOLS: 'maybe' })).message).toBe(
        'ALLOW_INSTALL_NET_TOOLS: must be true or false, got "maybe"',
      );
      expect(describeSettings(loadSettings({ ALLOW_INSTALL_NET_TOOLS: 'yes' })).notes.join(' ')).toMatch(
        /production containers/,
      );
    });
  });

  describe('endpoints and identity', () => {
    it('accepts optional https URLs and loopback http for the simulated world', () => {
      const s = loadSettings({
        REPORT_BASE_URL: 'https://reports.contoso.com/snat/',
        ARM_ENDPOINT: 'https://127.0.0.1:8443',
      });
      expect(s.reportBaseUrl).toBe('https://reports.contoso.com/snat');
      expect(s.armEndpoint).toBe('https://127.0.0.1:8443');
      expect(loadSettings({ ARM_ENDPOINT: 'http://localhost:1234' }).armEndpoint).toBe('http://localhost:1234');
      expect(errorOf(() => loadSettings({ ARM_ENDPOINT: 'management.azure.com' })).setting).toBe('ARM_ENDPOINT');
      expect(errorOf(() => reportStorage(loadSettings({ REPORT_BASE_URL: 'ftp://x' }))).setting).toBe(
        'REPORT_BASE_URL',
      );
    });

    it('validates AZURE_CLIENT_ID as a GUID', () => {
      expect(loadSettings({ AZURE_CLIENT_ID: SUB }).azureClientId).toBe(SUB.toLowerCase());
      expect(errorOf(() => loadSettings({ AZURE_CLIENT_ID: 'my-identity' })).setting).toBe('AZURE_CLIENT_ID');
    });
  });

  describe('errors', () => {
    it('reports every invalid setting at once, each by name', () => {
      const err = errorOf(() => loadSettings({ TRACE_SECONDS: '0', NETSTAT_CONCURRENCY: 'many', PRIVATE_CIDRS: 'x' }));
      expect(err.issues.map((i) => i.setting).sort()).toEqual([
        'NETSTAT_CONCURRENCY',
        'PRIVATE_CIDRS',
        'TRACE_SECONDS',
      ]);
      expect(err.name).toBe('SettingsError');
    });

    it('ignores unrelated environment variables', () => {
      expect(() => loadSettings({ PATH: '/usr/bin', FUNCTIONS_WORKER_RUNTIME: 'node' })).not.toThrow();
    });
  });
});

describe('proactive settings', () => {
  const CLUSTER =
    '/subscriptions/5a3c7f2e-1b8d-4e6f-9a0c-2d4b6e8f0a1c/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu';

  it('reads the cluster list and the numbers', () => {
    const s = loadSettings({
      PROACTIVE_CLUSTER_IDS: `${CLUSTER}, ${CLUSTER}`,
      PROACTIVE_SCAN_MINUTES: '10',
      PROACTIVE_HORIZON_MINUTES: '20',
      PROACTIVE_THRESHOLD_PERCENT: '80',
      PROACTIVE_LOOKBACK_MINUTES: '60',
      FLEET_MAX_INCIDENTS: '50',
    });
    expect(s.proactive).toEqual({
      clusterIds: [CLUSTER],
      scanMinutes: 10,
      lookbackMinutes: 60,
      horizonMinutes: 20,
      thresholdPercent: 80,
      fleetMaxIncidents: 50,
    });
  });

  it('names each bad proactive setting', () => {
    const err = errorOf(() =>
      loadSettings({
        PROACTIVE_CLUSTER_IDS:
          '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes',
        PROACTIVE_SCAN_MINUTES: '0',
        PROACTIVE_THRESHOLD_PERCENT: '101',
        FLEET_MAX_INCIDENTS: 'lots',
      }),
    );
    expect(err.issues.map((i) => i.setting).sort()).toEqual([
      'FLEET_MAX_INCIDENTS',
      'PROACTIVE_CLUSTER_IDS',
      'PROACTIVE_SCAN_MINUTES',
      'PROACTIVE_THRESHOLD_PERCENT',
    ]);
    expect(err.message).toMatch(/PROACTIVE_CLUSTER_IDS.*is not an AKS cluster resource id/);
  });

  it('says at start-up when the proactive watch is off', () => {
    expect(describeSettings(loadSettings({})).notes.join(' ')).toMatch(
      /PROACTIVE_CLUSTER_IDS is empty: the proactive watch is off/,
    );
  });

  it('proactiveSchedule turns PROACTIVE_SCAN_MINUTES into an NCRONTAB schedule, falling back to 5', () => {
    expect(proactiveSchedule({})).toBe('0 */5 * * * *');
    expect(proactiveSchedule({ PROACTIVE_SCAN_MINUTES: ' 10 ' })).toBe('0 */10 * * * *');
    expect(proactiveSchedule({ PROACTIVE_SCAN_MINUTES: '60' })).toBe('0 0 * * * *');
    expect(proactiveSchedule({ PROACTIVE_SCAN_MINUTES: '0' })).toBe('0 */5 * * * *');
    expect(proactiveSchedule({ PROACTIVE_SCAN_MINUTES: '5; rm -rf' })).toBe('0 */5 * * * *');
  });
});

describe('describeSettings', () => {
  it('hides secrets', () => {
    const s = loadSettings({ REPORTS_CONNECTION_STRING: CONN, TEAMS_WEBHOOK_URL: 'https://x.example/w?sig=s3cr3t' });
    const text = JSON.stringify(describeSettings(s));
    expect(text).not.toContain('c2VjcmV0LWtleQ==');
    expect(text).not.toContain('s3cr3t');
    expect(describeSettings(s).values.TEAMS_WEBHOOK_URL).toBe('<set>');
    expect(describeSettings(s).values.REPORTS_CONNECTION_STRING).toBe('<set>');
    expect(describeSettings(s).values.TRACE_SECONDS).toBe(60);
    expect(SECRET_SETTINGS).toEqual([
      'REPORTS_CONNECTION_STRING',
      'TEAMS_WEBHOOK_URL',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
    ]);
  });

  it('covers every setting name in the documentation', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of SETTING_NAMES) expect(doc).toContain(`\`${name}\``);
  });
});

const KV = '@Microsoft.KeyVault(SecretUri=https://kv-snat.vault.azure.net/secrets/teams-webhook/)';

describe('unresolved Key Vault references', () => {
  it('turn only notifications off when the Teams URL is one; intake and capture load', () => {
    const s = loadSettings({ TEAMS_WEBHOOK_URL: KV, TRACE_SECONDS: '30' });
    expect(s.teamsWebhookUrl).toBeNull();
    expect(s.traceSeconds).toBe(30);
    expect(s.notifyProblem).toMatch(
      /^Teams notifications are off: TEAMS_WEBHOOK_URL is an unresolved Key Vault reference/,
    );
    expect(s.notifyProblem).not.toContain('kv-snat');
    expect(describeSettings(s).notes.join(' ')).toContain('unresolved Key Vault reference');
  });

  it('defer storage problems to the first store, marked transient', () => {
    const s = loadSettings({ REPORTS_CONNECTION_STRING: KV });
    const err = errorOf(() => reportStorage(s));
    expect(err.setting).toBe('REPORTS_CONNECTION_STRING');
    expect(err.transient).toBe(true);
    expect(err.message).not.toContain('kv-snat');
    expect(describeSettings(s).notes.join(' ')).toMatch(
      /Reports cannot be stored until fixed: REPORTS_CONNECTION_STRING/,
    );
  });

  it('make an intake setting fail transiently, while a plain bad value is not transient', () => {
    const kv = errorOf(() => loadSlice('intake', { ALLOWED_SUBSCRIPTION_IDS: KV }));
    expect(kv.setting).toBe('ALLOWED_SUBSCRIPTION_IDS');
    expect(kv.transient).toBe(true);
    const bad = errorOf(() => loadSlice('intake', { COOLDOWN_MINUTES: 'soon' }));
    expect(bad.transient).toBe(false);
    const mixed = errorOf(() => loadSettings({ COOLDOWN_MINUTES: KV, TRACE_SECONDS: '1' }));
    expect(mixed.issues.map((i) => i.setting).sort()).toEqual(['COOLDOWN_MINUTES', 'TRACE_SECONDS']);
    expect(mixed.transient).toBe(false);
  });
});

describe('slices', () => {
  it('load one slice without looking at the others', () => {
    const env = { TEAMS_WEBHOOK_URL: 'ftp://x', TRACE_SECONDS: 'forever', COOLDOWN_MINUTES: '30' };
    expect(loadSlice('intake', env)).toEqual({
      cooldownMinutes: 30,
      allowedSubscriptionIds: [],
      allowedAlertRuleIds: [],
      worstNodesCount: 1,
      alertMaxAgeMinutes: 60,
      alertMaxFutureSkewMinutes: 5,
      maxInvestigationsPerClusterPerHour: 12,
    });
    expect(errorOf(() => loadSlice('capture', env)).setting).toBe('TRACE_SECONDS');
    expect(errorOf(() => loadSlice('notify', env)).setting).toBe('TEAMS_WEBHOOK_URL');
  });

  it('apply overrides to a slice like to the whole', () => {
    expect(loadSlice('capture', { TRACE_SECONDS: '30' }, { TRACE_SECONDS: '90' }).traceSeconds).toBe(90);
  });

  it('cut the same values out of loaded settings', () => {
    const s = loadSettings({ TRACE_SECONDS: '45', CAPTURE_NAMESPACE: 'ops' });
    expect(sliceOf(s, 'capture')).toEqual(loadSlice('capture', { TRACE_SECONDS: '45', CAPTURE_NAMESPACE: 'ops' }));
    expect(Object.keys(sliceOf(s, 'store')).sort()).toEqual([
      'reportBaseUrl',
      'reportLinkExpiryHours',
      'reportsAccountUrl',
      'reportsConnectionString',
      'reportsContainer',
      'storeRetryMinutes',
    ]);
  });
});

describe('ranges', () => {
  it.each(Object.entries(SETTING_RANGES))('%s accepts exactly its range', (name, { min, max }) => {
    const key = name as keyof typeof SETTING_RANGES;
    expect(() => loadSettings({ [key]: String(min) })).not.toThrow();
    expect(() => loadSettings({ [key]: String(max) })).not.toThrow();
    const below =
      name === 'STORE_RETRY_MINUTES' || name === 'REPORT_LINK_EXPIRY_HOURS'
        ? () => reportStorage(loadSettings({ [key]: String(min - 1), REPORTS_CONNECTION_STRING: CONN }))
        : () => loadSettings({ [key]: String(min - 1) });
    expect(errorOf(below).setting).toBe(name);
    expect(errorOf(below).message).toBe(`${name}: must be between ${min} and ${max}, got ${min - 1}`);
  });
});
