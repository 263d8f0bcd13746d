import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './bicep.js';

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

/** `param name type [= default]` declarations of a Bicep file: name -> whether it may be omitted. */
function bicepParams(source: string): Map<string, boolean> {
  const params = new Map<string, boolean>();
  for (const match of source.matchAll(/^param (\w+) ([^\s=]+)(\s*=.*)?$/gm)) {
    const [, name, type, defaultValue] = match;
    params.set(name as string, Boolean(defaultValue) || (type as string).endsWith('?'));
  }
  return params;
}

/** Names of the app settings the Function App module sets. */
function appSettingNames(): string[] {
  return [...read('infra/modules/functionApp.bicep').matchAll(/\{ name: '([A-Za-z_]+)', value: /g)].map(
    (m) => m[1] as string,
  );
}

describe('azure.yaml', () => {
  const [doc] = loadAllYaml(read('azure.yaml')) as Array<{
    name: string;
    infra: { provider: string; path: string; module: string };
    services: Record<string, { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean }>;
    hooks: Record<string, { posix: { run: string }; windows: { run: string } }>;
  }>;

  describe('azd project', () => {
    it('provisions infra/main.bicep with the Bicep provider', () => {
      expect(doc?.name).toBe('snat-responder');
      expect(doc?.infra).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
    });

    it('deploys the repository root as the `api` Functions service', () => {
      expect(Object.keys(doc?.services ?? {})).toEqual(['api']);
      expect(doc?.services.api?.project).toBe('.');
      expect(['ts', 'js']).toContain(doc?.services.api?.language);
      expect(doc?.services.api?.host).toBe('function');
    });

    it('deploys build/package/ as `npm run package` writes it, without a remote build', () => {
      expect(doc?.services.api?.dist).toBe('build/package');
      expect(doc?.services.api?.remoteBuild).toBe(false);
      const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
      // azd runs `npm run package` itself (npm framework service) and zips `dist`.
      expect(scripts.package).toBe('npm run build && node scripts/package.mjs');
    });

    it('runs every hook with plain `node` on the .mjs hook (no TypeScript, no flags), the same on Windows', () => {
      const expected = {
        preprovision: 'prepare',
        postprovision: 'provision',
        postdeploy: 'publish-key',
        predown: 'down',
      };
      expect(Object.keys(doc?.hooks ?? {}).sort()).toEqual(Object.keys(expected).sort());
      for (const [hook, action] of Object.entries(expected)) {
        expect(doc?.hooks[hook]?.posix.run, hook).toBe(`node infra/hooks/clusters.mjs ${action}`);
        expect(doc?.hooks[hook]?.windows.run, hook).toBe(`node infra/hooks/clusters.mjs ${action}`);
      }
    });

    it('tags the Function App with the service name azd looks for', () => {
      expect(read('infra/modules/functionApp.bicep')).toMatch(/param serviceName string = 'api'/);
      expect(read('infra/modules/functionApp.bicep')).toMatch(/'azd-service-name': serviceName/);
    });
  });
});

describe('infra/main.parameters.json', () => {
  const params = bicepParams(read('infra/main.bicep'));
  const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };

  describe('azd substitution', () => {
    it('only sets parameters main.bicep declares', () => {
      for (const name of Object.keys(file.parameters)) expect(params.has(name), name).toBe(true);
    });

    it('sets every required parameter', () => {
      const required = [...params].filter(([, optional]) => !optional).map(([name]) => name);
      expect(required.sort()).toEqual(['environmentName', 'location', 'teamsWebhookUrl']);
      for (const name of required) expect(file.parameters[name], name).toBeDefined();
    });

    it('takes the environment name, region and webhook URL from the azd environment, never a literal', () => {
      // azd's own `${VAR}` syntax, spelled with a `$` + `{...}` join so it is not read as a template literal.
      const azdVar = (name: string): string => `$${'{'}${name}}`;
      expect(file.parameters.environmentName?.value).toBe(azdVar('AZURE_ENV_NAME'));
      expect(file.parameters.location?.value).toBe(azdVar('AZURE_LOCATION'));
      expect(file.parameters.teamsWebhookUrl?.value).toBe(azdVar('TEAMS_WEBHOOK_URL'));
      expect(JSON.stringify(file.parameters)).not.toMatch(/https?:\/\//);
    });

    it('passes arrays as JSON text with an empty default', () => {
      for (const name of ['targetClusters', 'allowedSubscriptionIds', 'allowedAlertRuleIds']) {
        expect(file.parameters[name]?.value, name).toMatch(/^\$\{[A-Z_]+=\[\]\}$/);
      }
    });
  });
});

describe('docs/deploy.md', () => {
  const deploy = read('docs/deploy.md');

  describe('configuration reference', () => {
    it('documents every app setting infra sets', () => {
      const names = appSettingNames();
      expect(names.length).toBe(21);
      for (const name of names) expect(deploy, name).toContain(`\`${name}\``);
    });

    it('documents every azd output and every main parameter', () => {
      const source = read('infra/main.bicep');
      for (const [, name] of source.matchAll(/^output (\w+) /gm)) expect(deploy, name).toContain(`\`${name}\``);
      for (const name of bicepParams(source).keys()) expect(deploy, name).toContain(`\`${name}\``);
    });

    it('walks through azd up, the Kubernetes manifests, a test alert and tear-down', () => {
      for (const step of [
        'azd up',
        'kubectl apply -f infra/k8s/',
        'azd down --purge',
        'azureMonitorCommonAlertSchema',
      ]) {
        expect(deploy).toContain(step);
      }
    });
  });
});

describe('docs/deploy.md and docs/security.md', () => {
  const docs = `${read('docs/deploy.md')}\n${read('docs/security.md')}`;

  describe('permissions', () => {
    it('explain every Kubernetes data action of the custom roles', () => {
      const roles = read('infra/clusters.bicep');
      const actions = [
        ...new Set([...roles.matchAll(/'(Microsoft\.ContainerService\/managedClusters\/[^']+)'/g)].map((m) => m[1])),
      ];
      expect(actions.length).toBe(8);
      for (const action of actions) expect(docs, action).toContain(action as string);
    });

    it('explain every Azure role the identity (and the deployer) gets', () => {
      for (const role of [
        'Storage Blob Data Owner',
        'Storage Queue Data Contributor',
        'Storage Table Data Contributor',
        'Storage Blob Data Contributor',
        'Storage Blob Delegator',
        'Storage Blob Data Reader',
        'Key Vault Secrets User',
        'Monitoring Metrics Publisher',
        'Monitoring Reader',
        'Azure Kubernetes Service Cluster User Role',
      ]) {
        expect(docs, role).toContain(role);
      }
    });
  });

  describe('newcomer walkthrough', () => {
    const deploy = read('docs/deploy.md');

    it('covers prerequisites, azd up, the clusters, a first test alert, Teams, and tear-down, in that order', () => {
      const headings = [...deploy.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
      const order = [
        'Prerequisites',
        'Deploy (`azd up`)',
        'Connect the clusters',
        'Send a first test alert',
        'What to expect in Teams',
        'Tear down',
      ];
      expect(headings.filter((h) => order.includes(h))).toEqual(order);
    });

    it('says what AKS Automatic and node-resource-group lockdown need, and which bindings Bicep or the hook makes', () => {
      expect(deploy).toContain('AKS Automatic');
      expect(deploy).toMatch(/lockdown/);
      expect(deploy).toMatch(/\*\*Bicep\*\*/);
      expect(deploy).toMatch(/\*\*The hook\*\*/);
      expect(deploy).toContain('node infra/hooks/clusters.mjs --help');
    });
  });
});
