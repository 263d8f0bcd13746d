import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCrictlPods, parseCrictlPs } from '../../../src/evidence/parsers/crictl.js';
import { parseControllers } from '../../../src/evidence/parsers/kubectl.js';
import { parseLsns } from '../../../src/evidence/parsers/lsns.js';
import { parsePstree } from '../../../src/evidence/parsers/pstree.js';
import {
  isRedactedFile,
  programName,
  redactEvidenceFile,
  redactPstree,
  UNPARSABLE_JSON_PLACEHOLDER,
} from '../../../src/redaction/evidence.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/evidence/${name}`, import.meta.url), 'utf8');

const POD_LIST = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      metadata: {
        name: 'web-0',
        namespace: 'shop',
        labels: { app: 'web' },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}',
        },
        ownerReferences: [{ kind: 'StatefulSet', name: 'web' }],
      },
      spec: {
        nodeName: 'n1',
        initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo $TOKEN=abc123'] }],
        containers: [
          {
            name: 'app',
            image: 'contoso/web:1',
            command: ['node'],
            args: ['server.js', '--password=hunter2'],
            env: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secrets' } }],
            livenessProbe: { exec: { command: ['check', '--token=hunter2'] }, periodSeconds: 10 },
            readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'curl -H "Authorization: hunter2" x'] } } },
            ports: [{ containerPort: 8080 }],
          },
        ],
        ephemeralContainers: [{ name: 'debug', image: 'busybox', args: ['--secret=hunter2'] }],
      },
      status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], phase: 'Running' },
    },
  ],
};

describe('redactEvidenceFile', () => {
  describe('pods.json', () => {
    const redacted = JSON.parse(redactEvidenceFile('pods.json', JSON.stringify(POD_LIST)));
    const pod = redacted.items[0];

    it('keeps env names and drops every value and value source', () => {
      expect(pod.spec.containers[0].env).toEqual([{ name: 'DB_PASSWORD' }, { name: 'API_KEY' }, { name: 'POD_IP' }]);
    });

    it('keeps only the referenced ConfigMap/Secret names (and prefix) of envFrom', () => {
      expect(pod.spec.containers[0].envFrom).toEqual([
        { prefix: 'CFG_', configMapRef: { name: 'web-config' } },
        { secretRef: { name: 'web-secrets' } },
      ]);
    });

    it('drops commands and arguments of containers, init and ephemeral containers, probes and hooks', () => {
      expect(pod.spec.containers[0]).not.toHaveProperty('command');
      expect(pod.spec.containers[0]).not.toHaveProperty('args');
      expect(pod.spec.initContainers[0]).toEqual({ name: 'init', image: 'busybox' });
      expect(pod.spec.ephemeralContainers[0]).toEqual({ name: 'debug', image: 'busybox' });
      expect(pod.spec.containers[0].livenessProbe).toEqual({ exec: {}, periodSeconds: 10 });
      expect(pod.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8080 } });
      expect(pod.spec.containers[0].lifecycle).toEqual({ preStop: { exec: {} } });
    });

    it('drops annotations and keeps what attribution reads (labels, owners, IPs, node, ports)', () => {
      expect(pod.metadata).toEqual({
        name: 'web-0',
        namespace: 'shop',
        labels: { app: 'web' },
        ownerReferences: [{ kind: 'StatefulSet', name: 'web' }],
      });
      expect(pod.status).toEqual(POD_LIST.items[0]?.status);
      expect(pod.spec.nodeName).toBe('n1');
      expect(pod.spec.containers[0].ports).toEqual([{ containerPort: 8080 }]);
    });

    it('leaves no secret anywhere in the text', () => {
      expect(redactEvidenceFile('pods.json', JSON.stringify(POD_LIST))).not.toMatch(/hunter2|abc123/);
    });

    it('redacts the fixture pods.json the parsers are tested on without losing what they read', () => {
      const text = redactEvidenceFile('pods.json', fixture('pods.json'));
      expect(text).not.toMatch(/"annotations"|"args"|"command"|"value":/);
    });
  });

  describe('controllers.json', () => {
    // A ReplicaSet as `kubectl get rs -o json` shows it: annotations and a pod template with env values.
    const RS_LIST = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: 'web-7d9f8c6b5',
            namespace: 'shop',
            labels: { app: 'web', 'pod-template-hash': '7d9f8c6b5' },
            annotations: { 'deployment.kubernetes.io/revision': '3', note: 'token=hunter2' },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
          },
          spec: {
            template: {
              metadata: { annotations: { secret: 'hunter2' } },
              spec: {
                containers: [{ name: 'app', args: ['--password=hunter2'], env: [{ name: 'K', value: 'hunter2' }] }],
              },
            },
          },
        },
      ],
    };

    it('drops annotations and env values like pods.json; the workload parser reads the same owners', () => {
      const text = redactEvidenceFile('controllers.json', JSON.stringify(RS_LIST));
      expect(isRedactedFile('controllers.json')).toBe(true);
      expect(text).not.toMatch(/hunter2|"annotations"/);
      const parsed = parseControllers(text);
      expect(parsed.items).toEqual(parseControllers(JSON.stringify(RS_LIST)).items);
      expect(parsed.items).toEqual([
        { kind: 'ReplicaSet', namespace: 'shop', name: 'web-7d9f8c6b5', owner: { kind: 'Deployment', name: 'web' } },
      ]);
      expect(JSON.parse(text).items[0].metadata.labels).toEqual(RS_LIST.items[0]?.metadata.labels);
    });
  });

  it('replaces a JSON file that does not parse (it cannot be redacted)', () => {
    expect(redactEvidenceFile('pods.json', '{"items": [ {"env": "hunter2"')).toBe(UNPARSABLE_JSON_PLACEHOLDER);
    expect(redactEvidenceFile('crictl-ps.json', 'not json hunter2')).toBe(UNPARSABLE_JSON_PLACEHOLDER);
  });

  describe('crictl JSON', () => {
    it('drops annotations of containers, images and sandboxes; the parsers read the same ids and labels', () => {
      for (const [file, parse] of [
        ['crictl-ps.json', parseCrictlPs],
        ['crictl-pods.json', parseCrictlPods],
      ] as const) {
        const raw = fixture(file);
        const redacted = redactEvidenceFile(file, raw);
        expect(redacted).not.toContain('"annotations"');
        expect(parse(redacted, file).items).toEqual(parse(raw, file).items);
      }
    });
  });

  describe('lsns', () => {
    it('JSON: command becomes the program name; the parser reads the same namespaces and PIDs', () => {
      const raw = JSON.stringify({
        namespaces: [
          {
            ns: 4026532785,
            type: 'net',
            nprocs: 3,
            pid: 19832,
            user: 'root',
            command: '/usr/bin/python3 app.py --token=hunter2',
          },
          {
            ns: 4026531840,
            type: 'net',
            nprocs: 90,
            pid: 1,
            user: 'root',
            command: '/sbin/init splash',
            children: [{ ns: 1, type: 'net', pid: 5, command: 'x --secret=y' }],
          },
        ],
      });
      const redacted = redactEvidenceFile('lsns.json', raw);
      expect(redacted).not.toMatch(/hunter2|splash|--secret/);
      const before = parseLsns(raw, 'lsns.json').items;
      const after = parseLsns(redacted, 'lsns.json').items;
      expect(after.map((e) => e.command)).toEqual(['python3', 'init', 'x']);
      expect(after.map((e) => [e.inode, e.pid])).toEqual(before.map((e) => [e.inode, e.pid]));
    });

    it('text: COMMAND keeps its first word (default and custom column order)', () => {
      for (const name of ['lsns-custom.txt', 'lsns-runbook.txt', 'lsns-classic.txt', 'lsns-netnsid.txt']) {
        const raw = fixture(name);
        const redacted = redactEvidenceFile('lsns.txt', raw);
        const before = parseLsns(raw, name).items;
        const after = parseLsns(redacted, name).items;
        expect(
          after.map((e) => [e.inode, e.pid]),
          name,
        ).toEqual(before.map((e) => [e.inode, e.pid]));
        expect(
          after.map((e) => e.command),
          name,
        ).toEqual(before.map((e) => programName(e.command)));
      }
      expect(redactEvidenceFile('lsns.txt', fixture('lsns-custom.txt'))).not.toContain('sleep infinity');
    });
  });

  describe('pstree', () => {
    it('keeps names and PIDs only, except containerd-shim -namespace/-id', () => {
      const raw = [
        'systemd,1 --switched-root --system --deserialize 31',
        '  `-containerd-shim,20946 -namespace k8s.io -id 2a4b6c8d -address /run/containerd/containerd.sock',
        '      `-python3,19832 app.py --password=hunter2',
        '          |-{python3},19833',
        '          `-php-fpm: pool w,4201',
        '',
      ].join('\n');
      expect(redactPstree(raw)).toBe(
        [
          'systemd,1',
          '  `-containerd-shim,20946 -namespace k8s.io -id 2a4b6c8d',
          '      `-python3,19832',
          '          |-{python3},19833',
          '          `-php-fpm: pool w,4201',
          '',
        ].join('\n'),
      );
    });

    it.each([
      'pstree-runbook.txt',
      'pstree-unicode.txt',
      'pstree-ascii.txt',
      'pstree-cut.txt',
      'pstree-compact.txt',
      'pstree-host.txt',
    ])('%s: the parser finds the same ancestry PIDs and shim id after redaction', (name) => {
      const raw = fixture(name);
      const redacted = redactEvidenceFile('pstree/19832.txt', raw);
      const pidOf = (text: string) => {
        const chain = parsePstree(text, name, 19832).items[0];
        return { pids: chain?.ancestry.map((p) => p.pid), shimId: chain?.shimId ?? null };
      };
      expect(pidOf(redacted)).toEqual(pidOf(raw));
      for (const line of redacted.split('\n')) {
        if (!/containerd-shi/.test(line)) expect(line).not.toMatch(/,\d+\s+\S/);
      }
    });

    it('keeps shim v1 -workdir (it ends in the container id) and drops text that is not a process line', () => {
      const raw =
        'systemd,1\n  `-containerd-shim,812 -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/abcdef012345 -address /run/x\nrandom text with secret=1\n';
      expect(redactPstree(raw)).toBe(
        'systemd,1\n  `-containerd-shim,812 -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/abcdef012345\n\n',
      );
    });
  });

  it('passes files that hold no secrets unchanged, and says which files it redacts', () => {
    const trace = fixture('tcptracer-t.log');
    expect(redactEvidenceFile('tcptracer.log', trace)).toBe(trace);
    expect(redactEvidenceFile('sockets/4026532785.txt', 'x')).toBe('x');
    expect(isRedactedFile('tcptracer.log')).toBe(false);
    expect(isRedactedFile('netstat/default_web.txt')).toBe(false);
    for (const f of [
      'pods.json',
      'node.json',
      'controllers.json',
      'crictl-ps.json',
      'crictl-pods.json',
      'lsns.json',
      'lsns.txt',
      'pstree/1.txt',
    ]) {
      expect(isRedactedFile(f), f).toBe(true);
    }
  });
});
