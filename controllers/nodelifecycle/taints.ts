// The taints the node lifecycle controller owns (Kubernetes' taintutils):
// NoExecute not-ready/unreachable taints that evict pods, and the NoSchedule
// taints that mirror a node's conditions and cordon.
import type { Node, NodeCondition, Taint, Toleration } from '../../src/api/core/v1.js';
import {
  sameTaint,
  taintNodeDiskPressure,
  taintNodeMemoryPressure,
  taintNodeNetworkUnavailable,
  taintNodeNotReady,
  taintNodePIDPressure,
  taintNodeUnreachable,
  taintNodeUnschedulable,
} from '../../src/machinery/taints.js';

export const notReadyTaint: Taint = { key: taintNodeNotReady, effect: 'NoExecute' };
export const unreachableTaint: Taint = { key: taintNodeUnreachable, effect: 'NoExecute' };

/** Which NoSchedule taint a condition in a given status calls for (nodeConditionToTaintKeyStatusMap). */
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: taintNodeNotReady, Unknown: taintNodeUnreachable },
  MemoryPressure: { True: taintNodeMemoryPressure },
  DiskPressure: { True: taintNodeDiskPressure },
  NetworkUnavailable: { True: taintNodeNetworkUnavailable },
  PIDPressure: { True: taintNodePIDPressure },
};
const conditionTaintKeys = new Set(Object.values(conditionTaints).flatMap((m) => Object.values(m)));

export function condition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/**
 * The node's taints with `add` put in (stamped with timeAdded, as
 * SwapNodeControllerTaint does) and `remove` taken out; undefined when that
 * changes nothing.
 */
export function swapTaints(taints: readonly Taint[] | undefined, add: Taint[], remove: Taint[], now: string): Taint[] | undefined {
  let changed = false;
  let out = [...(taints ?? [])];
  for (const r of remove) {
    const before = out.length;
    out = out.filter((t) => !sameTaint(t, r));
    if (out.length !== before) changed = true;
  }
  for (const a of add) {
    const i = out.findIndex((t) => sameTaint(t, a));
    if (i >= 0 && (out[i]!.value ?? '') === (a.value ?? '')) continue;
    const stamped: Taint = { ...a, timeAdded: now };
    if (i >= 0) out[i] = stamped;
    else out.push(stamped);
    changed = true;
  }
  return changed ? out : undefined;
}

/**
 * doNoScheduleTaintingPass: the NoSchedule taints the node's conditions and
 * spec.unschedulable call for, against those of them it has now.
 */
export function noScheduleTaintDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec.unschedulable) want.push({ key: taintNodeUnschedulable, effect: 'NoSchedule' });
  const have = (node.spec.taints ?? []).filter(
    (t) => t.effect === 'NoSchedule' && (t.key === taintNodeUnschedulable || conditionTaintKeys.has(t.key)),
  );
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}

/**
 * getMinTolerationTime in milliseconds: the shortest tolerationSeconds among
 * the tolerations (a negative one counting as zero), 0 for no tolerations at
 * all, or -1 when none of them limits the time (tolerated forever).
 */
export function minTolerationMs(tolerations: readonly Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = -1;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    const ms = Math.max(0, t.tolerationSeconds) * 1000;
    if (min < 0 || ms < min) min = ms;
  }
  return min;
}
