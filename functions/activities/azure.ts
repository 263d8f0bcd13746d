/** Activities backed by Azure Resource Manager and Azure Monitor (their SDKs load on first use). */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import { registerStep } from './register.js';

const steps = () => import('../../src/investigation/steps/azureSteps.js');

registerStep(ACTIVITY.resolveCluster, async () => (await steps()).resolveCluster);
registerStep(ACTIVITY.findWorstNodes, async () => (await steps()).findWorstNodes);
registerStep(ACTIVITY.snatMetrics, async () => (await steps()).snatMetrics);
