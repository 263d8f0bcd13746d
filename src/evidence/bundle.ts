/**
 * The evidence bundle: the contract between capture and analysis.
 *
 * A person following the runbook by hand, the node capture Job, and a stored
 * report's `evidence/` folder all produce a directory with these names, so
 * `snat-responder analyze` works on all three. Every file is optional.
 */
export const BUNDLE_FILES = {
  /** BCC `tcptracer -t4v` / `-tv` / `-v` text, or `tcptracer --json` lines. */
  tcptracer: 'tcptracer.log',
  /** `lsns -t net` text. */
  lsnsText: 'lsns.txt',
  /** `lsns -t net -J`. */
  lsnsJson: 'lsns.json',
  /** Folder of `pstree -aps <pid>` outputs, one `<pid>.txt` each. */
  pstreeDir: 'pstree',
  /** `crictl ps -a` text. */
  crictlPsText: 'crictl-ps.txt',
  /** `crictl ps -a -o json`. */
  crictlPsJson: 'crictl-ps.json',
  /** `crictl pods` text. */
  crictlPodsText: 'crictl-pods.txt',
  /** `crictl pods -o json`. */
  crictlPodsJson: 'crictl-pods.json',
  /** `kubectl get pods -A -o json --field-selector spec.nodeName=<node>`. */
  pods: 'pods.json',
  /**
   * The ReplicaSets and Jobs owning the node's pods, as a v1 List (`kubectl get replicasets,jobs -A -o json`, or
   * only the owners named by pods.json): their ownerReferences name the Deployment or CronJob.
   */
  controllers: 'controllers.json',
  /** `kubectl get node <node> -o json`. */
  node: 'node.json',
  /** Folder of `netstat -ptn` / `netstat -tn` / `ss -tnp` outputs, `<namespace>_<pod>.txt` each. */
  netstatDir: 'netstat',
  /** Folder of `/proc/<pid>/net/tcp` + `tcp6` contents, `<netns-inode>.txt` each. */
  socketsDir: 'sockets',
  /** Written by the node capture Job: node facts, missing tools, truncation flags. */
  capture: 'capture.json',
} as const;

/** A name in {@link BUNDLE_FILES}: how code refers to a bundle file without spelling its path. */
export type BundleFileKey = keyof typeof BUNDLE_FILES;
