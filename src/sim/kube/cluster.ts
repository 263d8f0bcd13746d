/**
 * What the simulated cluster holds while the server runs: the scenario, every pod (the scenario's and those
 * created for Jobs) as API objects, the nodes deleted so far, the faults in force, the resourceVersion clock
 * and the server clock. Job records live with their timelines (`./jobTimeline.ts`).
 */
import { scenarioControllers } from './controllers.js';
import type { KubeFaults } from './faults.js';
import type { KubeScenario, ScenarioNode, ScenarioPod } from './scenario.js';
import { scenarioPodJson } from './scenarioObjects.js';
import { VersionClock } from './watch.js';

type Json = Record<string, unknown>;

/** The mutable contents of one simulated cluster. */
export class SimCluster {
  /** Every pod as its API object, by `namespace/name`. */
  readonly pods = new Map<string, Json>();
  /** The scenario's pods still present (not those created for Jobs), by `namespace/name`. */
  readonly scenarioPods = new Map<string, ScenarioPod>();
  /** The scenario's ReplicaSets and Jobs (`kind/namespace/name`), as `./controllers.ts` builds them. */
  readonly controllers: Map<string, Json>;
  /** Names of the nodes deleted so far. */
  readonly deletedNodes = new Set<string>();
  /** The resourceVersions handed out to the objects read so far. */
  readonly versions = new VersionClock(1000);

  /**
   * @param scenario What the cluster holds at start.
   * @param clock Milliseconds clock for everything that moves with time (Job progress, timestamps).
   * @param faults The faults in force; replaced whole or changed in place while the server runs.
   */
  constructor(
    readonly scenario: KubeScenario,
    readonly clock: () => number,
    public faults: KubeFaults,
  ) {
    for (const p of scenario.pods) {
      const key = `${p.namespace}/${p.name}`;
      this.pods.set(key, scenarioPodJson(p, this.node(p.nodeName)?.internalIPs[0]));
      this.scenarioPods.set(key, p);
    }
    this.controllers = scenarioControllers(scenario);
  }

  /** The scenario node named `name` (deleted or not), or undefined. */
  node(name: string): ScenarioNode | undefined {
    return this.scenario.nodes.find((n) => n.name === name);
  }

  /** The labels of namespace `ns` ({} when it has none or does not exist). */
  namespaceLabels(ns: string | undefined): Record<string, string> {
    return this.scenario.namespaces.find((n) => n.name === ns)?.labels ?? {};
  }

  /** Deletes a pod (as if its controller removed it). */
  deletePod(ns: string, name: string): void {
    this.pods.delete(`${ns}/${name}`);
    this.scenarioPods.delete(`${ns}/${name}`);
  }
}
