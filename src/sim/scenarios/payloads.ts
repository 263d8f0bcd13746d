import { DEMO_HOT_NODE, DEMO_LOAD_BALANCER_ID } from '../arm/world.js';
import { demoAlertPayload } from '../demoAlert.js';

type Payload = ReturnType<typeof demoAlertPayload>;
type Dimension = { name: string; value: string };
interface Criterion {
  dimensions: Dimension[];
}

function criterion(payload: Payload): Criterion {
  const data = payload.data as { alertContext: { condition: { allOf: Criterion[] } } };
  return data.alertContext.condition.allOf[0] as Criterion;
}

/** The demo's split alert (UsedSnatPorts by BackendIPAddress) for `backendIp`, fired at `firedAt`. */
export function splitAlert(firedAt: Date, backendIp: string = DEMO_HOT_NODE.ip): Payload {
  const payload = demoAlertPayload(firedAt);
  for (const d of criterion(payload).dimensions) if (d.name === 'BackendIPAddress') d.value = backendIp;
  const essentials = (payload.data as { essentials: { alertId: string } }).essentials;
  essentials.alertId = essentials.alertId.replace(/[0-9a-f]{12}$/, backendIp.replaceAll('.', '').padStart(12, '0'));
  return payload;
}

/** The same rule not split by BackendIPAddress: the responder finds the worst node itself. */
export function unsplitAlert(firedAt: Date): Payload {
  const payload = demoAlertPayload(firedAt);
  const c = criterion(payload);
  c.dimensions = c.dimensions.filter((d) => d.name !== 'BackendIPAddress');
  const essentials = (payload.data as { essentials: { alertId: string } }).essentials;
  essentials.alertId = essentials.alertId.replace(/[0-9a-f]{12}$/, 'a11a11a11a11');
  return payload;
}

/** An on-demand request body for a node of the simulated cluster (by name or IP). */
export function onDemandBody(node: string): { loadBalancerId: string; node: string } {
  return { loadBalancerId: DEMO_LOAD_BALANCER_ID, node };
}
