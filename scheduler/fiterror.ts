// The message a pod that fits nowhere gets, word for word as Kubernetes'
// FitError: "0/3 nodes are available: 1 node(s) had untolerated taint {k: v},
// 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is
// not helpful for scheduling, 2 No preemption victims found for incoming pod."
import type { Status } from './framework.js';

/** "N reason" for each distinct reason over all nodes, sorted as Go's sort.Strings sorts them. */
export function reasonHistogram(statuses: ReadonlyMap<string, Status>): string[] {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface FitErrorParts {
  numAllNodes: number;
  statuses: ReadonlyMap<string, Status>;
  /** set when a PreFilter rejected the pod: then node statuses are not listed */
  preFilterMessage?: string;
  postFilterMessage?: string;
}

export function fitErrorMessage(p: FitErrorParts): string {
  let msg = `0/${p.numAllNodes} nodes are available:`;
  if (p.preFilterMessage) msg += ` ${p.preFilterMessage}.`;
  else {
    const hist = reasonHistogram(p.statuses);
    if (hist.length) msg += ` ${hist.join(', ')}.`;
  }
  if (p.postFilterMessage) msg += ` ${p.postFilterMessage}`;
  return msg;
}
