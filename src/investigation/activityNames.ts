/** Names of the investigation's Durable activities: one step each, registered under functions/activities/. */
export const ACTIVITY = {
  resolveCluster: 'resolveCluster',
  findWorstNodes: 'findWorstNodes',
  snatMetrics: 'snatMetrics',
  resolveNode: 'resolveNode',
  startCapture: 'startCapture',
  captureStatus: 'captureStatus',
  collectEvidence: 'collectEvidence',
  selectCandidates: 'selectCandidates',
  podSockets: 'podSockets',
  deleteCapture: 'deleteCapture',
  analyzeAndStore: 'analyzeAndStore',
  notifyTeams: 'notifyTeams',
  notifyUnstoredReport: 'notifyUnstoredReport',
  notifyWaiters: 'notifyWaiters',
} as const;

/** The registered name of one activity: a value of {@link ACTIVITY}. */
export type ActivityName = (typeof ACTIVITY)[keyof typeof ACTIVITY];
