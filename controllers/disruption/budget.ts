// The arithmetic of a PodDisruptionBudget (Kubernetes' disruption
// controller): how many pods are expected, how many must stay healthy, how
// many are healthy now, and so how many may be disrupted. Pods the eviction
// API has just let go (status.disruptedPods) count as gone for two minutes.
import type { IntOrString } from '../../src/api/core/primitives.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../src/api/policy/v1.js';
import { disruptionAllowedCondition } from '../../src/api/policy/v1.js';
import { isPodReady, type PodObject } from '../replicaset/pods.js';

/** DeletionTimeout: how long a pod the eviction API let go may take to start terminating. */
export const deletionTimeoutMs = 2 * 60_000;

/** intstr.GetScaledValueFromIntOrPercent: a count, or a percent of total rounded up (roundUp true) or down. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export interface Expected {
  expectedCount: number;
  desiredHealthy: number;
  /** pods selected but controlled by nothing: a percentage budget cannot account for them */
  unmanaged: string[];
}

/**
 * getExpectedPodCount: an integer minAvailable counts the selected pods;
 * percentages and maxUnavailable count the replicas their controllers want
 * (scaleOf resolves a pod to its controller's uid and scale, undefined when
 * the pod has no controller; it throws when the controller cannot be found).
 */
export function expectedPods(
  pdb: PodDisruptionBudget,
  pods: PodObject[],
  scaleOf: (pod: PodObject) => { uid: string; scale: number } | undefined,
): Expected {
  const unmanaged: string[] = [];
  const expectedScale = (): number => {
    const scales = new Map<string, number>();
    for (const pod of pods) {
      const s = scaleOf(pod);
      if (!s) {
        unmanaged.push(pod.metadata.name ?? '');
        continue;
      }
      scales.set(s.uid, s.scale);
    }
    let total = 0;
    for (const v of scales.values()) total += v;
    return total;
  };
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined) {
    const expectedCount = expectedScale();
    const desiredHealthy = Math.max(0, expectedCount - scaledValue(maxUnavailable, expectedCount, true));
    return { expectedCount, desiredHealthy, unmanaged };
  }
  if (minAvailable !== undefined) {
    if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanaged };
    const expectedCount = expectedScale();
    return { expectedCount, desiredHealthy: scaledValue(minAvailable, expectedCount, true), unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanaged };
}

/**
 * buildDisruptedPodMap: the disrupted pods still expected to go (dropping
 * those deleted since and those overdue), and when to look again.
 */
export function liveDisruptedPods(pdb: PodDisruptionBudget, pods: PodObject[], now: number): { disrupted: Record<string, string>; overdue: string[]; recheckAt?: number } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const overdue: string[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name ?? '';
    const at = recorded[name];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + deletionTimeoutMs;
    if (expectedDeletion < now) {
      overdue.push(name);
      continue;
    }
    disrupted[name] = at;
    if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
  }
  return { disrupted, overdue, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** countHealthyPods: ready pods that are neither terminating nor about to be. */
export function countHealthy(pods: PodObject[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + deletionTimeoutMs > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** The status the budget should have; conditions carried over from the old one where unchanged. */
export function budgetStatus(
  pdb: PodDisruptionBudget,
  counts: { currentHealthy: number; desiredHealthy: number; expectedCount: number; disrupted: Record<string, string> },
  now: string,
): PodDisruptionBudgetStatus {
  let disruptionsAllowed = counts.currentHealthy - counts.desiredHealthy;
  // A budget matching no pods yet stays safe until it has been computed with its first pods.
  if (counts.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const observedGeneration = pdb.metadata.generation ?? 0;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration,
    ...(Object.keys(counts.disrupted).length ? { disruptedPods: counts.disrupted } : {}),
    disruptionsAllowed,
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedCount,
    conditions: pdb.status?.conditions ?? [],
  };
  status.conditions = withAllowedCondition(status, disruptionsAllowed > 0 ? ['True', 'SufficientPods', ''] : ['False', 'InsufficientPods', ''], now);
  return status;
}

/** SetStatusCondition for DisruptionAllowed: the transition time moves only when the status does. */
export function withAllowedCondition(
  status: PodDisruptionBudgetStatus,
  [value, reason, message]: ['True' | 'False', string, string],
  now: string,
): NonNullable<PodDisruptionBudgetStatus['conditions']> {
  const conditions = status.conditions ?? [];
  const old = conditions.find((c) => c.type === disruptionAllowedCondition);
  const cond = {
    type: disruptionAllowedCondition,
    status: value,
    observedGeneration: status.observedGeneration ?? 0,
    lastTransitionTime: old && old.status === value && old.lastTransitionTime ? old.lastTransitionTime : now,
    reason,
    message,
  };
  const i = conditions.findIndex((c) => c.type === disruptionAllowedCondition);
  return i < 0 ? [...conditions, cond] : conditions.map((c, j) => (j === i ? cond : c));
}

/** Whether the stored status already says what status would. */
export function statusUpToDate(old: PodDisruptionBudgetStatus | undefined, status: PodDisruptionBudgetStatus): boolean {
  if (!old) return false;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  return (
    old.currentHealthy === status.currentHealthy &&
    old.desiredHealthy === status.desiredHealthy &&
    old.expectedPods === status.expectedPods &&
    old.disruptionsAllowed === status.disruptionsAllowed &&
    (old.observedGeneration ?? 0) === (status.observedGeneration ?? 0) &&
    same(sortKeys(old.disruptedPods), sortKeys(status.disruptedPods)) &&
    same(old.conditions, status.conditions)
  );
}

function sortKeys(o: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}
