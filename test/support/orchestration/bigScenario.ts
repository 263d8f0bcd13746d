/**
 * A large variant of the demo cluster: `extraPods` more pods on the hot node, each opening public connections
 * in the trace, so selection, the netstat fan-out (many batches) and the trace all grow, while every activity
 * output must stay within the 16 KB budget.
 */
import { DEMO_NODE, demoScenario } from '../../../src/sim/kube/demoScenario.js';
import { type KubeScenario, seededRandom } from '../../../src/sim/kube/scenario.js';

/** The demo scenario plus `extraPods` traced pods (default 250) with `connectsPerPod` public connects each. */
export function bigScenario(extraPods = 250, connectsPerPod = 40): KubeScenario {
  const scenario = demoScenario();
  const rnd = seededRandom(4242);
  const node = scenario.nodes.find((n) => n.name === DEMO_NODE);
  if (!node?.trace) throw new Error('the demo scenario has no trace on the hot node');
  scenario.namespaces.push({ name: 'fanout' });
  for (let i = 0; i < extraPods; i++) {
    const name = `fanout-client-5d8f7c6b9-${String(i).padStart(4, '0')}`;
    const ip = `10.245.${Math.floor(i / 200)}.${(i % 200) + 10}`;
    const pid = 90_000 + i * 13;
    const netns = 4026600000 + i * 3;
    const remote = `20.50.${i % 250}.${(i * 7) % 250}`;
    scenario.pods.push({
      namespace: 'fanout',
      name,
      nodeName: DEMO_NODE,
      podIPs: [ip],
      hostNetwork: false,
      phase: 'Running',
      containers: [
        { name: 'client', image: 'contoso.azurecr.io/fanout/client:1.0.0', hasNetstat: true, pid, comm: 'client' },
      ],
      owner: { kind: 'ReplicaSet', name: 'fanout-client-5d8f7c6b9' },
      sockets: Array.from({ length: 3 }, (_, k) => ({
        localIp: ip,
        localPort: 40000 + k,
        remoteIp: remote,
        remotePort: 443,
        state: 'ESTABLISHED' as const,
        pid,
        program: 'client',
      })),
      netns,
    });
    for (let k = 0; k < connectsPerPod; k++) {
      node.trace.push({
        tNs: Math.floor(rnd() * 59e9),
        type: 'connect',
        pid,
        comm: 'client',
        saddr: ip,
        daddr: remote,
        sport: 32768 + Math.floor(rnd() * 28000),
        dport: 443,
        netns,
      });
    }
  }
  node.trace.sort((a, b) => a.tNs - b.tNs || a.pid - b.pid);
  return scenario;
}
