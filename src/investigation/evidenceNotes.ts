/**
 * The report's statements about how evidence was gathered when a security setting changed it. One wording for
 * the durable activity and the CLI. Notes, not problems: they do not degrade the investigation's status.
 */

/**
 * The report note for a cluster reached with a local account (ALLOW_ADMIN_CREDENTIALS=true).
 *
 * @example localAccountStatement('aks-prod-weu')
 */
export function localAccountStatement(clusterName: string): string {
  return `Cluster ${clusterName} was reached with a local account (no Entra ID, or client-certificate credentials), accepted only because ALLOW_ADMIN_CREDENTIALS=true: these credentials are admin-grade.`;
}

/** The report note saying where the pods' socket tables came from, by ALLOW_POD_EXEC. */
export function socketSourceStatement(allowPodExec: boolean): string {
  return allowPodExec
    ? 'Pod exec is on (ALLOW_POD_EXEC=true): netstat ran in candidate pods; the node-side socket tables cover the rest.'
    : 'Pod exec is off (ALLOW_POD_EXEC=false, the default): socket tables come from the node-side capture (sockets/<netns>.txt); no command ran inside any pod.';
}
