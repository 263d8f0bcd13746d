import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNode, parsePods } from '../../../../src/evidence/parsers/kubectl.js';
import { fixture, isValidIp } from './helpers.js';

describe('parsePods', () => {
  it('reads a v1 List: both pod IP families, container ids without runtime prefix, owners', () => {
    const r = parsePods(fixture('pods.json'), 'pods.json');
    expect(r.warnings).toEqual([]);
    expect(r.items[0]).toEqual({
      namespace: 'default',
      name: 'nginx-6f7b9c8d5-abcde',
      uid: 'uid-nginx-6f7b9c8d5-abcde',
      nodeName: 'aks-nodepool1-12345678-vmss000000',
      hostNetwork: false,
      phase: 'Running',
      podIPs: ['10.244.1.15', 'fd00:10:244:1::f'],
      containers: ['main'],
      containerIds: ['6b5a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b'],
      owner: { kind: 'Deployment', name: 'nginx' },
      controller: { kind: 'ReplicaSet', name: 'nginx-6f7b9c8d5' },
      labels: expect.objectContaining({ 'pod-template-hash': '6f7b9c8d5' }),
    });
    expect(r.items[1]).toMatchObject({ hostNetwork: true, owner: { kind: 'DaemonSet', name: 'kube-proxy' } });
  });

  it('falls back to status.podIP when podIPs is empty', () => {
    expect(parsePods(fixture('pods.json'), 'pods.json').items[2]).toMatchObject({
      podIPs: ['10.244.1.40'],
      owner: { kind: 'Job', name: 'batch-job' },
    });
  });

  it('keeps a ReplicaSet owner when no pod-template-hash matches', () => {
    const pod = {
      kind: 'Pod',
      metadata: {
        name: 'a',
        namespace: 'b',
        ownerReferences: [{ kind: 'ReplicaSet', name: 'rs-abcde', controller: true }],
      },
    };
    expect(parsePods(JSON.stringify(pod), 'pods.json').items[0]?.owner).toEqual({
      kind: 'ReplicaSet',
      name: 'rs-abcde',
    });
  });

  it('accepts a single Pod and minimal objects', () => {
    const r = parsePods('{"kind":"Pod","metadata":{"name":"p","namespace":"n"}}', 'pods.json');
    expect(r.items).toEqual([
      {
        namespace: 'n',
        name: 'p',
        uid: '',
        nodeName: null,
        hostNetwork: false,
        phase: null,
        podIPs: [],
        containers: [],
        containerIds: [],
        owner: null,
        controller: null,
        labels: {},
      },
    ]);
  });

  it('warns about invalid JSON, non-pods and pods without names', () => {
    expect(parsePods('not json', 'pods.json').warnings[0]).toMatchObject({ file: 'pods.json', line: 0 });
    const r = parsePods('{"items":[1,{"kind":"Node","metadata":{}},{"metadata":{"name":"x"}}]}', 'pods.json');
    expect(r.items).toEqual([]);
    expect(r.warnings).toHaveLength(3);
    expect(parsePods('42', 'pods.json').warnings).toHaveLength(1);
  });
});

describe('parseNode', () => {
  it('reads InternalIP addresses and pod CIDRs', () => {
    expect(parseNode(fixture('node.json'), 'node.json')).toEqual({
      items: [
        {
          name: 'aks-nodepool1-12345678-vmss000000',
          internalIPs: ['10.224.0.4', 'fd00:10:224::4'],
          podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
        },
      ],
      warnings: [],
    });
  });

  it('takes the first item of a NodeList and warns on anything else', () => {
    const list = { kind: 'NodeList', items: [{ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } }] };
    expect(parseNode(JSON.stringify(list), 'node.json').items).toEqual([
      { name: 'n1', internalIPs: [], podCIDRs: ['10.244.0.0/24'] },
    ]);
    expect(parseNode('[]', 'node.json').warnings).toHaveLength(1);
    expect(parseNode('{"metadata":{}}', 'node.json').warnings).toHaveLength(1);
  });
});

describe('kubectl properties', () => {
  it('never throws on arbitrary JSON or text; IPs are valid', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc
            .jsonValue()
            .map((v) => JSON.stringify({ items: [{ metadata: { name: 'a', namespace: 'b' }, status: v }] })),
          fc.jsonValue().map((v) => JSON.stringify({ metadata: { name: 'n' }, status: { addresses: v }, spec: v })),
        ),
        (text) => {
          const pods = parsePods(text, 'pods.json');
          for (const p of pods.items) {
            expect(p.podIPs.every(isValidIp)).toBe(true);
            expect(typeof p.hostNetwork).toBe('boolean');
          }
          const node = parseNode(text, 'node.json');
          expect(node.items.length).toBeLessThanOrEqual(1);
          for (const n of node.items) expect(n.internalIPs.every(isValidIp)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
