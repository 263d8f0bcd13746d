/** Activities backed by Azure Resource Manager and Azure Monitor. */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import { findWorstNodes, resolveCluster, snatMetrics } from '../../src/investigation/steps/azureSteps.js';
import { registerStep } from './register.js';

registerStep(ACTIVITY.resolveCluster, resolveCluster);
registerStep(ACTIVITY.findWorstNodes, findWorstNodes);
registerStep(ACTIVITY.snatMetrics, snatMetrics);
