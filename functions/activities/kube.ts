/** Activities backed by the cluster's Kubernetes API. */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import {
  captureStatus,
  collectEvidence,
  deleteCapture,
  podSockets,
  resolveNode,
  selectAndStoreCandidates,
  startCapture,
} from '../../src/investigation/steps/kubeSteps.js';
import { registerStep } from './register.js';

registerStep(ACTIVITY.resolveNode, resolveNode);
registerStep(ACTIVITY.startCapture, startCapture);
registerStep(ACTIVITY.captureStatus, captureStatus);
registerStep(ACTIVITY.collectEvidence, collectEvidence);
registerStep(ACTIVITY.selectCandidates, selectAndStoreCandidates);
registerStep(ACTIVITY.podSockets, podSockets);
registerStep(ACTIVITY.deleteCapture, deleteCapture);
