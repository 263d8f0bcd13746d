/** Activities backed by the cluster's Kubernetes API (the client loads on first use). */
import { ACTIVITY } from '../../src/investigation/activityNames.js';
import { registerStep } from './register.js';

const steps = () => import('../../src/investigation/steps/kubeSteps.js');

registerStep(ACTIVITY.resolveNode, async () => (await steps()).resolveNode);
registerStep(ACTIVITY.startCapture, async () => (await steps()).startCapture);
registerStep(ACTIVITY.captureStatus, async () => (await steps()).captureStatus);
registerStep(ACTIVITY.collectEvidence, async () => (await steps()).collectEvidence);
registerStep(ACTIVITY.selectCandidates, async () => (await steps()).selectAndStoreCandidates);
registerStep(ACTIVITY.podSockets, async () => (await steps()).podSockets);
registerStep(ACTIVITY.deleteCapture, async () => (await steps()).deleteCapture);
