/** Activities that store the report in Blob and announce it in Teams. */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import { analyzeAndStore, notifyTeams } from '../../src/investigation/steps/reportSteps.js';
import { registerStep } from './register.js';

registerStep(ACTIVITY.analyzeAndStore, analyzeAndStore);
registerStep(ACTIVITY.notifyTeams, notifyTeams);
