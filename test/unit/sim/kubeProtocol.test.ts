/**
 * The pure protocol pieces of the loopback Kubernetes API server, without a server: the protobuf review
 * kubectl sends (bytes captured from kubectl 1.33's `-v=9` output), selectors, discovery negotiation, Tables.
 */
import { describe, expect, it } from 'vitest';
import { discoveryAnswer, isDiscoveryPath, SIM_RESOURCES } from '../../../src/sim/kube/discovery.js';
import { decodeSelfSubjectAccessReview } from '../../../src/sim/kube/protobuf.js';
import { filterItems, parseSelector, selectorMatches } from '../../../src/sim/kube/selectors.js';
import { humanDuration, toTable, wantsTable } from '../../../src/sim/kube/table.js';

/** `kubectl auth can-i create pods/exec -n default` (kubectl reads `pods/exec` as resource `pods`, name `exec`). */
const KUBECTL_REVIEW = Buffer.from(
  '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265766965771243' +
    '0a100a001200' +
    '1a0022002a00320038004200' +
    '12250a230a0764656661756c7412066372656174651a0022002a04706f647332003a0465786563' +
    '1a080800120' +
    '01a0020001a002200',
  'hex',
);

describe('protobuf SelfSubjectAccessReview', () => {
  it('decodes the review kubectl sends', () => {
    const hex = KUBECTL_REVIEW.toString('hex');
    expect(hex.startsWith('6b387300')).toBe(true);
    expect(decodeSelfSubjectAccessReview(KUBECTL_REVIEW)).toEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: {
        resourceAttributes: {
          namespace: 'default',
          verb: 'create',
          group: '',
          version: '',
          resource: 'pods',
          subresource: '',
          name: 'exec',
        },
      },
    });
  });

  it('refuses a body without the k8s envelope or of another kind', () => {
    expect(() => decodeSelfSubjectAccessReview(Buffer.from('{"kind":"x"}'))).toThrow('missing k8s envelope');
    const job = Buffer.concat([Buffer.from('6b387300', 'hex'), Buffer.from('0a0c0a0862617463682f76311200', 'hex')]);
    expect(() => decodeSelfSubjectAccessReview(job)).toThrow(/expected SelfSubjectAccessReview/);
  });
});

describe('selectors', () => {
  const labels: Record<string, string> = { app: 'web', tier: 'front' };
  const get = (k: string) => labels[k];
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (api, web)', true],
    ['app notin (api,web)', false],
    ['tier in (back),app=web', false],
    ['app in (web),tier', true],
  ])('%s -> %s', (sel, expected) => {
    expect(selectorMatches(parseSelector(sel), get)).toBe(expected);
  });

  it('field selectors only on the fields the kind allows (the server answers 400 otherwise)', () => {
    const pods = [
      { kind: 'Pod', metadata: { name: 'a', namespace: 'x' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } },
      { kind: 'Pod', metadata: { name: 'b', namespace: 'x' }, spec: { nodeName: 'n2', hostNetwork: true } },
    ];
    const q = (s: string) => new URLSearchParams({ fieldSelector: s });
    const names = (items: Array<Record<string, unknown>>) => items.map((p) => (p.metadata as { name: string }).name);
    expect(names(filterItems('Pod', pods, q('spec.nodeName=n1')))).toEqual(['a']);
    expect(names(filterItems('Pod', pods, q('spec.hostNetwork=false')))).toEqual(['a']);
    expect(names(filterItems('Pod', pods, q('status.phase!=Running')))).toEqual(['b']);
    expect(() => filterItems('Pod', pods, q('spec.containers=x'))).toThrow(
      'field label not supported: spec.containers',
    );
    expect(() => filterItems('Node', pods, q('spec.nodeName=n1'))).toThrow('field label not supported: spec.nodeName');
  });
});

describe('discovery', () => {
  const AGGREGATED =
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

  it('answers aggregated discovery v2 to kubectl and the legacy documents to older clients', () => {
    const agg = discoveryAnswer('/apis', AGGREGATED, '127.0.0.1:1');
    expect(agg?.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(
      ((agg?.body.items ?? []) as Array<{ metadata: { name: string } }>).map((g) => g.metadata.name).sort(),
    ).toEqual(['apps', 'authorization.k8s.io', 'batch']);
    // A v2beta1-only client (kubectl <= 1.29) gets the legacy list and falls back.
    const beta = discoveryAnswer(
      '/apis',
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
      '',
    );
    expect(beta?.body.kind).toBe('APIGroupList');
    expect(discoveryAnswer('/api', 'application/json', '127.0.0.1:1')?.body).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
    expect(discoveryAnswer('/apis/batch/v1', '', '')?.body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'batch/v1',
    });
    expect(discoveryAnswer('/apis/nope/v1', '', '')).toBeNull();
    expect(discoveryAnswer('/apis/batch/v1/jobs', '', '')).toBeNull();
  });

  it('lists subresources in both forms and reports a 1.31+ version', () => {
    const core = discoveryAnswer('/api/v1', '', '')?.body.resources as Array<{ name: string; verbs: string[] }>;
    expect(core.find((r) => r.name === 'pods/exec')?.verbs).toEqual(['create', 'get']);
    expect(Number(discoveryAnswer('/version', '', '')?.body.minor)).toBeGreaterThanOrEqual(31);
    expect(SIM_RESOURCES.every((r) => r.verbs.length > 0)).toBe(true);
    expect(isDiscoveryPath('/apis/batch/v1')).toBe(true);
    expect(isDiscoveryPath('/api/v1/nodes')).toBe(false);
  });
});

describe('Tables', () => {
  it('negotiates from the Accept header kubectl sends', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
  });

  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 60_000, '3h1m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000, '3d'],
    [9 * 86400_000, '9d'],
    [800 * 86400_000, '2y'],
  ])('humanDuration(%d) = %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('prints a Job as Complete only after the terminal condition', () => {
    const job = (types: string[]) => ({
      kind: 'Job',
      metadata: { name: 'j', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { completions: 1 },
      status: { succeeded: 1, conditions: types.map((type) => ({ type, status: 'True' })) },
    });
    const status = (types: string[]) =>
      (
        toTable('Job', [job(types)], { now: Date.parse('2026-01-01T00:01:00Z'), resourceVersion: '1' }).rows as Array<{
          cells: unknown[];
        }>
      )[0]?.cells[1];
    expect(status(['SuccessCriteriaMet'])).toBe('Terminating');
    expect(status(['SuccessCriteriaMet', 'Complete'])).toBe('Complete');
    expect(status([])).toBe('Running');
  });
});
