// Completion indexes of Indexed Jobs (Kubernetes' job/indexed_job_utils.go):
// the "1,3-5" interval strings of status.completedIndexes, the pods' index
// annotation, and which indexes still need a pod.
import type { PodObject } from '../replicaset/pods.js';

/** batch.JobCompletionIndexAnnotation, also set as a label (PodIndexLabel). */
export const completionIndexKey = 'batch.kubernetes.io/job-completion-index';

/** getCompletionIndex: the pod's index, or -1 when it has none or an invalid one. */
export function completionIndexOf(pod: PodObject): number {
  const v = pod.metadata.annotations?.[completionIndexKey];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return -1;
  const n = Number(v);
  return n >= 0 && Number.isSafeInteger(n) ? n : -1;
}

/** parseIndexesFromString: the indexes below completions that an interval string names, sorted, without duplicates. */
export function parseIndexes(s: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  if (!s) return [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] !== undefined ? Number(m[2]) : first;
    for (let i = first; i <= Math.min(last, completions - 1); i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** orderedIntervals.String: "0-2,4,7-8". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** firstPendingIndexes: the lowest count indexes that have neither succeeded nor an active pod. */
export function firstPendingIndexes(succeeded: readonly number[], active: readonly PodObject[], count: number, completions: number): number[] {
  const taken = new Set<number>(succeeded);
  for (const p of active) {
    const ix = completionIndexOf(p);
    if (ix >= 0) taken.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}
