import { DEMO_NODES } from '../arm/world.js';
import { demoScenario } from '../kube/demoScenario.js';
import type { ScenarioNode } from '../kube/scenario.js';
import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/** The demo cluster plus a fifth node, so five nodes can alert at once. */
function fiveNodeCluster() {
  const cluster = demoScenario();
  const fifth: ScenarioNode = {
    name: 'aks-nodepool1-12345678-vmss000004',
    internalIPs: ['10.224.0.8'],
    podCIDRs: ['10.244.4.0/24'],
    ready: true,
  };
  return { ...cluster, nodes: [...cluster.nodes, fifth] };
}

const IPS = [...DEMO_NODES.map((n) => n.ip), '10.224.0.8'];

/**
 * Five nodes alert at once with a cluster cap of 3 captures: the capture-slot entity grants three, the other two
 * wait on durable timers (not failing after seconds, as before) and capture when a slot frees.
 */
export const fiveNodesCapThree: Scenario = {
  name: 'five-nodes-cap-three',
  description: '5 nodes alert at once with MAX_CONCURRENT_CAPTURES=3: all 5 reports complete, at most 3 Jobs at once',
  session: { settings: { MAX_CONCURRENT_CAPTURES: '3' }, scenario: fiveNodeCluster() },
  async run(ctx) {
    await Promise.all(IPS.map((ip) => ctx.deliverAlert(splitAlert(ctx.now(), ip))));
  },
};
