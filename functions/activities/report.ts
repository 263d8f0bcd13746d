/** Activities that store the report in Blob and announce it in Teams (storage and charts load on first use). */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import { registerStep } from './register.js';

const steps = () => import('../../src/investigation/steps/reportSteps.js');

registerStep(ACTIVITY.analyzeAndStore, async () => (await steps()).analyzeAndStore);
registerStep(ACTIVITY.notifyTeams, async () => (await steps()).notifyTeams);
registerStep(ACTIVITY.notifyUnstoredReport, async () => (await steps()).notifyUnstoredReport);
