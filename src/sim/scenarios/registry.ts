/**
 * Every `demo --scenario` scenario, by name. To add one: write a module in this folder exporting a
 * {@link Scenario} and list it here (docs/architecture.md, "Adding a scenario").
 */
import { alertAndOnDemand } from './alertAndOnDemand.js';
import { apiserverFlaky } from './apiserverFlaky.js';
import { blobOutage } from './blobOutage.js';
import { duplicateStorm } from './duplicateStorm.js';
import { fiveNodesCapThree } from './fiveNodesCapThree.js';
import { keyvaultUnresolved } from './keyvaultUnresolved.js';
import { nodeVanishes } from './nodeVanishes.js';
import { nodeVanishesBeforeStart } from './nodeVanishesBeforeStart.js';
import { orphanSweep } from './orphanSweep.js';
import { proactive } from './proactive.js';
import { staleAlert } from './staleAlert.js';
import { teamsThrottled } from './teamsThrottled.js';
import { twoAlertsOneNode } from './twoAlertsOneNode.js';
import type { Scenario } from './types.js';

/** The scenarios, in the order `demo --list-scenarios` prints them. */
export const SCENARIOS: readonly Scenario[] = [
  twoAlertsOneNode,
  alertAndOnDemand,
  fiveNodesCapThree,
  duplicateStorm,
  staleAlert,
  proactive,
  keyvaultUnresolved,
  teamsThrottled,
  blobOutage,
  orphanSweep,
  apiserverFlaky,
  nodeVanishes,
  nodeVanishesBeforeStart,
];

/** The scenario called `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
