/**
 * Text helpers shared by the HTML report and the Teams card: numbers, times, and the short
 * "what it does" phrase composed from the top talker's counters.
 */
import type { HostTraffic, RankedPod, Report, TrafficCounters, UnattributedTalker } from '../model.js';
import { podSubject } from '../workloadName.js';

/** Integer (or rounded) count with thousands separators, `—` when unknown. */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** A rate with at most one decimal below 10, none above. */
export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 1 : 0 });
}

/** `2026-11-26 13:05 UTC` from an ISO timestamp; the input unchanged when it does not parse. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-11-26 13:00–13:10 UTC` (the date once when both ends share it). */
export function fmtWindow(start: string | null, end: string | null): string {
  if (!start && !end) return '—';
  if (!start || !end) return `${fmtTime(start)} – ${fmtTime(end)}`;
  const a = fmtTime(start);
  const b = fmtTime(end);
  if (a.slice(0, 10) === b.slice(0, 10) && a.endsWith(' UTC') && b.endsWith(' UTC')) {
    return `${a.slice(0, 16)}–${b.slice(11, 16)} UTC`;
  }
  return `${a} – ${b}`;
}

/** A pod's `namespace/name`, the form every rendering uses to name a pod. */
export const podRef = (p: { namespace: string; pod: string }): string => `${p.namespace}/${p.pod}`;

/** The sentence on incident history: `Deployment payments/checkout-api was the top talker in 3 of the last 5 incidents`. */
export function historyLine(h: { pod: string; workload?: string; k: number; n: number }): string {
  return `${h.workload ?? h.pod} was the top talker in ${fmtCount(h.k)} of the last ${fmtCount(h.n)} incidents on this cluster.`;
}

/** The talker the verdict is about (a pod, the host, or an unattributed key), or null. */
export function verdictTalker(
  report: Report,
): { label: string; counters: TrafficCounters; established: number | null; timeWait: number | null } | null {
  const v = report.verdict;
  if (v.kind === 'pod') {
    const pod: RankedPod | undefined =
      report.rankedPods.find((p) => p.namespace === v.namespace && p.pod === v.pod) ?? report.rankedPods[0];
    return pod
      ? { label: podSubject(pod), counters: pod, established: pod.establishedPublic, timeWait: pod.timeWaitPublic }
      : null;
  }
  if (v.kind === 'host' && report.hostTraffic) {
    const h: HostTraffic = report.hostTraffic;
    return {
      label: `host ${h.saddr}`,
      counters: h,
      established: h.establishedPublic ?? null,
      timeWait: h.timeWaitPublic ?? null,
    };
  }
  if (v.kind === 'unattributed' && report.unattributed[0]) {
    const u: UnattributedTalker = report.unattributed[0];
    return { label: `${u.saddr} (unattributed)`, counters: u, established: null, timeWait: null };
  }
  return null;
}

/**
 * What the verdict's talker does, in a phrase:
 * `opens 410 new connections/min to 20.60.1.12:443, 380 ESTABLISHED to public IPs`.
 * Null when there is nothing measured to say.
 */
export function whatItDoes(report: Report): string | null {
  const t = verdictTalker(report);
  if (!t) return null;
  const c = t.counters;
  const parts: string[] = [];
  const top = c.topDestinations[0];
  const dest = top ? `${top.ip}:${top.port}` : null;
  // One destination taking most connects is the story; otherwise say how spread it is.
  const focused = top !== undefined && c.connectsPublic > 0 && top.count / c.connectsPublic >= 0.8;
  if (c.connectsPublic > 0) {
    const where = focused
      ? `to ${dest}`
      : dest
        ? `to ${fmtCount(c.distinctPublicDestinations)} public destinations (most to ${dest})`
        : 'to public IPs';
    parts.push(
      c.connectRatePerMinute !== null
        ? `opens ${fmtRate(c.connectRatePerMinute)} new connections/min ${where}`
        : `opened ${fmtCount(c.connectsPublic)} new connections ${where}`,
    );
  }
  if (t.established !== null) parts.push(`${fmtCount(t.established)} ESTABLISHED to public IPs`);
  if (t.timeWait) parts.push(`${fmtCount(t.timeWait)} in TIME_WAIT`);
  return parts.length > 0 ? parts.join(', ') : null;
}
