/**
 * The node capture Job: its name, labels and spec. Pure functions, no I/O
 * except reading the capture script shipped in the repository.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1Job } from '@kubernetes/client-node';
import { pinnedImageProblem } from '../config/imageReference.js';

/**
 * Default image: Azure Linux 3.0 core, Microsoft-published on MCR and patched
 * (CBL-Mariner 2.0 images are end-of-life), pinned by digest so what runs
 * privileged on a node cannot change under the same name. It only has to
 * provide `chroot`: every capture tool runs from the node's own root. The
 * admission policy in infra/k8s/optional/ admits exactly this reference.
 */
export const DEFAULT_CAPTURE_IMAGE =
  'mcr.microsoft.com/azurelinux/base/core:3.0@sha256:bfd3e44899fe7c17f6fda42a6ef2a322f2178c2dafb88e69fd87675cdcac39ec';

/**
 * Pull policy: a digest names immutable content, so a cached copy is the same image (`IfNotPresent`);
 * anything else (only reachable through code, settings insist on a digest) is pulled every time.
 */
export function imagePullPolicyFor(image: string): 'IfNotPresent' | 'Always' {
  return pinnedImageProblem(image) === null ? 'IfNotPresent' : 'Always';
}

/**
 * Where the capture script writes its work files, as seen inside the chroot: an `emptyDir` mounted over the
 * host's `/tmp` in the container only, so the host root itself can be mounted read-only and nothing is written
 * to the node's disk. (`/tmp` exists on every node, so no mount point has to be created on the host.)
 */
export const CAPTURE_SCRATCH_DIR = '/tmp';
/** Bound on the scratch space (uncompressed capture files before framing). */
export const CAPTURE_SCRATCH_LIMIT = '512Mi';
/** Namespace of the capture Jobs when CAPTURE_NAMESPACE is unset. */
export const DEFAULT_CAPTURE_NAMESPACE = 'snat-responder';
/** tcptracer window in seconds when TRACE_SECONDS is unset. */
export const DEFAULT_TRACE_SECONDS = 60;

/** Label keys on every capture Job and its pod (the selector, the investigation, the node). */
export const CAPTURE_LABELS = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  investigation: 'snat-responder.io/investigation',
  node: 'snat-responder.io/node',
} as const;
/** Annotation keys on every capture Job: who it belongs to (values too long or too free for labels). */
export const CAPTURE_ANNOTATIONS = {
  /** The investigation (orchestration instance) the Job belongs to: the sweeper asks whether it still runs. */
  investigationId: 'snat-responder.io/investigation-id',
  /** The one execution that created the Job and alone may adopt or delete it. */
  owner: 'snat-responder.io/owner',
} as const;
/** Label selector of every capture Job this product creates (the sweeper and the inventory list by it). */
export const CAPTURE_SELECTOR = `${CAPTURE_LABELS.name}=snat-responder,${CAPTURE_LABELS.component}=node-capture`;

/** Job runtime beyond the trace window: BCC compile, lsns/pstree/crictl, compression, image pull. */
export const DEADLINE_MARGIN_SECONDS = 180;
/** Finished Jobs vanish on their own after this, even if `delete()` was never reached. */
export const TTL_AFTER_FINISHED_SECONDS = 900;

/**
 * Resources. BCC compiles tcptracer's probe with clang on start (one core for
 * a few seconds, roughly 200-400 MiB); the rest of the script is small. The
 * requests are kept low so kubelet admits the pod on a busy node; the limits
 * bound the damage on a node that is already in trouble.
 */
export const CAPTURE_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '768Mi' },
} as const;

const SCRIPT_CANDIDATES = [
  // Next to the module (vitest runs src/kube/captureJob.ts).
  './capture-script/capture.sh',
  // From dist/src/kube/captureJob.js back to the source tree, which ships with the package.
  '../../../src/kube/capture-script/capture.sh',
];

let cachedScript: string | null = null;

/** The capture script text (`src/kube/capture-script/capture.sh`), found from source or from dist/. */
export function captureScript(): string {
  if (cachedScript !== null) return cachedScript;
  for (const rel of SCRIPT_CANDIDATES) {
    try {
      cachedScript = readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
      return cachedScript;
    } catch {
      // try the next location
    }
  }
  throw new Error(
    'capture script src/kube/capture-script/capture.sh not found next to the module or in the source tree',
  );
}

function hash(s: string, n: number): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

/** Lower-cases and squeezes a string into DNS-1123 label characters, trimmed to `max`. */
function slug(s: string, max: number): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

/** A label value (<= 63, alphanumerics at both ends); long or odd values become a readable prefix plus hash. */
export function labelValue(s: string): string {
  if (/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/.test(s)) return s;
  const base = s
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 52)
    .replace(/[^A-Za-z0-9]+$/, '');
  return base ? `${base}-${hash(s, 10)}` : hash(s, 10);
}

/**
 * The Job name: `snat-cap-<node>-<hash>`, a DNS-1123 label of at most 63
 * characters; the hash covers the node and the owner, which is unique to one execution of one investigation, so
 * a later run (or another investigation) never finds, and never adopts, an earlier run's Job by its name.
 *
 * @example captureJobName('aks-nodepool1-12345678-vmss000003', 'snat-…/4f1c…') // 'snat-cap-aks-nodepool1-12345678-vmss000003-<8 hex>'
 */
export function captureJobName(node: string, owner: string): string {
  const h = hash(`${node}\n${owner}`, 8);
  const s = slug(node, 63 - 'snat-cap-'.length - 1 - h.length);
  return s ? `snat-cap-${s}-${h}` : `snat-cap-${h}`;
}

/** What one capture Job is built from ({@link buildCaptureJob}). */
export interface CaptureJobOptions {
  /** The node to capture (the Job's pod is pinned to it). */
  node: string;
  /** The investigation's instance id (a label and an annotation). */
  investigationId: string;
  /** Unique to the creating execution (default: the investigation id). Names the Job and guards its delete. */
  owner?: string;
  namespace: string;
  image: string;
  traceSeconds: number;
  maxTraceLines?: number;
  /**
   * Seconds the finished Job (and its pod log) is kept when nobody deletes it; never below
   * {@link TTL_AFTER_FINISHED_SECONDS}. Callers that retry storing the evidence pass at least their retry bound.
   */
  ttlSecondsAfterFinished?: number;
}

/** Builds the capture Job (see docs/kubernetes.md for why each field is there). */
export function buildCaptureJob(o: CaptureJobOptions): V1Job {
  const owner = o.owner ?? o.investigationId;
  const name = captureJobName(o.node, owner);
  const labels = {
    [CAPTURE_LABELS.name]: 'snat-responder',
    [CAPTURE_LABELS.component]: 'node-capture',
    [CAPTURE_LABELS.investigation]: labelValue(o.investigationId),
    [CAPTURE_LABELS.node]: labelValue(o.node),
  };
  const env = [
    { name: 'TRACE_SECONDS', value: String(o.traceSeconds) },
    { name: 'MAX_TRACE_LINES', value: String(o.maxTraceLines ?? 150_000) },
    { name: 'INVESTIGATION_ID', value: labelValue(o.investigationId) },
    { name: 'SCRATCH_DIR', value: CAPTURE_SCRATCH_DIR },
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: o.namespace,
      labels,
      annotations: { [CAPTURE_ANNOTATIONS.investigationId]: o.investigationId, [CAPTURE_ANNOTATIONS.owner]: owner },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.traceSeconds + DEADLINE_MARGIN_SECONDS,
      ttlSecondsAfterFinished: Math.max(TTL_AFTER_FINISHED_SECONDS, o.ttlSecondsAfterFinished ?? 0),
      template: {
        metadata: { labels },
        spec: {
          nodeName: o.node,
          hostPID: true,
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'capture',
              image: o.image,
              imagePullPolicy: imagePullPolicyFor(o.image),
              // The script is an argument, never spliced: sh -c SCRIPT NAME.
              command: ['chroot', '/host', '/bin/sh', '-c', captureScript(), 'snat-capture'],
              env,
              securityContext: { privileged: true },
              resources: {
                requests: { ...CAPTURE_RESOURCES.requests },
                limits: { ...CAPTURE_RESOURCES.limits },
              },
              // The host root is read-only; the script's scratch space is an emptyDir over /host/tmp (see
              // CAPTURE_SCRATCH_DIR). Submounts (/proc, /sys, /run) keep their own modes: BCC needs /sys.
              volumeMounts: [
                { name: 'host-root', mountPath: '/host', readOnly: true },
                { name: 'scratch', mountPath: `/host${CAPTURE_SCRATCH_DIR}` },
              ],
            },
          ],
          volumes: [
            { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
            { name: 'scratch', emptyDir: { sizeLimit: CAPTURE_SCRATCH_LIMIT } },
          ],
        },
      },
    },
  };
}
