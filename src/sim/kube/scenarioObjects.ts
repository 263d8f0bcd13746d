/**
 * The API objects the simulated server returns for the scenario's own contents: Nodes, the scenario's Pods,
 * Namespaces and the ReplicaSets behind ReplicaSet-owned pods, with the fields kubectl and client-node read
 * (conditions, addresses, owner references, container statuses). Pure functions of the scenario.
 */
import { controllerLabels, ownerReference } from './controllers.js';
import { SIM_KUBERNETES_VERSION } from './discovery.js';
import { type KubeScenario, type ScenarioNode, type ScenarioPod, simId, simUid } from './scenario.js';

type Json = Record<string, unknown>;

/** The Node object of `n`; `notReady` turns its Ready condition Unknown (the `NodeNotReady` fault). */
export function nodeJson(n: ScenarioNode, notReady: boolean): Json {
  const ready = n.ready !== false && !notReady;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid: simUid(`node:${n.name}`),
      creationTimestamp: '2026-10-01T08:00:00Z',
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.azure.com/agentpool': 'nodepool1',
        'node.kubernetes.io/instance-type': 'Standard_D4s_v5',
      },
    },
    spec: {
      podCIDR: n.podCIDRs?.[0],
      podCIDRs: n.podCIDRs ?? [],
      providerID: `azure:///subscriptions/0/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/${n.name.slice(-1)}`,
      taints: n.taints ?? [],
    },
    status: {
      addresses: [
        ...n.internalIPs.map((address) => ({ type: 'InternalIP', address })),
        { type: 'Hostname', address: n.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'Unknown',
          reason: ready ? 'KubeletReady' : 'NodeStatusUnknown',
          message: ready ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.',
          lastHeartbeatTime: '2026-11-26T10:00:00Z',
          lastTransitionTime: '2026-11-26T09:00:00Z',
        },
      ],
      nodeInfo: {
        kernelVersion: n.kernel ?? '5.15.0-1079-azure',
        osImage: n.osImage ?? 'Ubuntu 22.04.5 LTS',
        containerRuntimeVersion: 'containerd://1.7.27-1',
        kubeletVersion: SIM_KUBERNETES_VERSION.gitVersion,
        architecture: 'amd64',
        operatingSystem: 'linux',
      },
    },
  };
}

/** The conditions a pod's phase implies (what `kubectl wait --for=condition=Ready` reads). */
export function podConditions(phase: string, since: string): Json[] {
  const running = phase === 'Running';
  const started = phase !== 'Pending';
  return [
    { type: 'PodReadyToStartContainers', status: started ? 'True' : 'False', lastTransitionTime: since },
    { type: 'Initialized', status: 'True', lastTransitionTime: since },
    { type: 'Ready', status: running ? 'True' : 'False', lastTransitionTime: since },
    { type: 'ContainersReady', status: running ? 'True' : 'False', lastTransitionTime: since },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: since },
  ];
}

/** The Pod object of a scenario pod, on the node whose address is `hostIP`. */
export function scenarioPodJson(p: ScenarioPod, hostIP?: string): Json {
  const uid = simUid(`${p.namespace}/${p.name}`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid,
      creationTimestamp: '2026-11-25T07:00:00Z',
      labels: p.labels ?? controllerLabels(p),
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [ownerReference(p.owner.kind, p.owner.name)] } : {}),
    },
    spec: {
      nodeName: p.nodeName,
      hostNetwork: p.hostNetwork || undefined,
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.command ? { command: c.command } : {}),
        ...(c.args ? { args: c.args } : {}),
        ...(c.env ? { env: c.env } : {}),
      })),
      restartPolicy: 'Always',
    },
    status: {
      phase: p.phase ?? 'Running',
      conditions: podConditions(p.phase ?? 'Running', '2026-11-25T07:00:05Z'),
      hostIP,
      ...(hostIP ? { hostIPs: [{ ip: hostIP }] } : {}),
      podIP: p.podIPs[0],
      podIPs: p.podIPs.map((ip) => ({ ip })),
      containerStatuses: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${simUid(c.image).replace(/-/g, '')}`,
        containerID: `containerd://${simId(`container:${p.namespace}/${p.name}/${c.name}`)}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2026-11-25T07:00:05Z' } },
      })),
    },
  };
}

/** The Namespace object of a scenario namespace. */
export function namespaceJson(n: KubeScenario['namespaces'][number]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: n.name,
      uid: simUid(`ns:${n.name}`),
      creationTimestamp: '2026-10-01T08:00:00Z',
      labels: { 'kubernetes.io/metadata.name': n.name, ...n.labels },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/**
 * The ReplicaSets behind the scenario's pods: one per `ReplicaSet` owner, owned in turn by the Deployment
 * whose name is the ReplicaSet's minus its pod-template hash (what `kubectl get rs` and workload resolution see).
 * `livePods` are the scenario pods still present; `controllers` the scenario's own (`scenarioControllers`).
 */
export function replicaSetsOf(livePods: Iterable<ScenarioPod>, controllers: ReadonlyMap<string, Json>): Json[] {
  const byKey = new Map<string, ScenarioPod[]>();
  for (const p of livePods) {
    if (p.owner?.kind !== 'ReplicaSet') continue;
    const key = `${p.namespace}/${p.owner.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  return [...byKey.values()].map((members) => {
    const first = members[0] as ScenarioPod;
    const name = first.owner?.name ?? '';
    const hash = /-([a-z0-9]{5,10})$/.exec(name)?.[1];
    // A ReplicaSet the scenario lists keeps its stated owner (or none); others are a Deployment's by name.
    const listed = controllers.get(`ReplicaSet/${first.namespace}/${name}`);
    const deployment = listed
      ? ((((listed.metadata as Json).ownerReferences as Json[] | undefined)?.[0]?.name as string | undefined) ?? null)
      : hash
        ? name.slice(0, -hash.length - 1)
        : null;
    const podLabels = (scenarioPodJson(first).metadata as Json).labels as Record<string, string>;
    const matchLabels = { ...podLabels, ...(hash ? { 'pod-template-hash': hash } : {}) };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: first.namespace,
        uid: simUid(`owner:${name}`),
        creationTimestamp: '2026-11-25T06:59:58Z',
        labels: matchLabels,
        ...(deployment
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'Deployment',
                  name: deployment,
                  uid: simUid(`owner:${deployment}`),
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        replicas: members.length,
        selector: { matchLabels },
        template: {
          metadata: { labels: matchLabels },
          spec: { containers: first.containers.map((c) => ({ name: c.name, image: c.image })) },
        },
      },
      status: {
        replicas: members.length,
        fullyLabeledReplicas: members.length,
        readyReplicas: members.length,
        availableReplicas: members.length,
        observedGeneration: 1,
      },
    };
  });
}
