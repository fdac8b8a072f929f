// Which nodes a DaemonSet's pods belong on (Kubernetes' daemon controller
// NodeShouldRunDaemonPod and pkg/controller/daemon/util): the template's
// nodeName, nodeSelector and required node affinity, and the node's taints
// against the template's tolerations plus the ones every DaemonSet pod gets
// automatically. Pods are pinned to their node with a required node affinity
// on metadata.name, so that the scheduler, not this controller, binds them.
import type { Affinity, Node, NodeSelectorRequirement, Pod, PodSpec, Taint, Toleration } from '../../src/api/core/v1.js';
import { podMatchesNodeSelectorAndAffinity } from '../../src/machinery/node-affinity.js';
import {
  findMatchingUntoleratedTaint,
  taintNodeDiskPressure,
  taintNodeMemoryPressure,
  taintNodeNetworkUnavailable,
  taintNodeNotReady,
  taintNodePIDPressure,
  taintNodeUnreachable,
  taintNodeUnschedulable,
} from '../../src/machinery/taints.js';
import type { DaemonSetObject } from './types.js';

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (
    (a.key ?? '') === (b.key ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '') &&
    a.tolerationSeconds === b.tolerationSeconds
  );
}

/** v1helper.AddOrUpdateTolerationInPodSpec: replaces the toleration with the same key, operator, value and effect. */
function addOrUpdateToleration(tolerations: Toleration[], t: Toleration): Toleration[] {
  const i = tolerations.findIndex(
    (x) => (x.key ?? '') === (t.key ?? '') && (x.operator ?? '') === (t.operator ?? '') && (x.value ?? '') === (t.value ?? '') && (x.effect ?? '') === (t.effect ?? ''),
  );
  if (i < 0) return [...tolerations, t];
  if (sameToleration(tolerations[i]!, t)) return tolerations;
  const out = [...tolerations];
  out[i] = t;
  return out;
}

/**
 * util.AddOrUpdateDaemonPodTolerations: DaemonSet pods survive a node going
 * not-ready or unreachable (no NoExecute eviction) and run on nodes under
 * resource pressure or cordoned; with hostNetwork, on nodes whose network is
 * not set up yet (they are often what sets it up).
 */
export function daemonPodTolerations(spec: Pick<PodSpec, 'tolerations' | 'hostNetwork'>): Toleration[] {
  let out = [...(spec.tolerations ?? [])];
  const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  out = addOrUpdateToleration(out, exists(taintNodeNotReady, 'NoExecute'));
  out = addOrUpdateToleration(out, exists(taintNodeUnreachable, 'NoExecute'));
  out = addOrUpdateToleration(out, exists(taintNodeDiskPressure, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(taintNodeMemoryPressure, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(taintNodePIDPressure, 'NoSchedule'));
  out = addOrUpdateToleration(out, exists(taintNodeUnschedulable, 'NoSchedule'));
  if (spec.hostNetwork) out = addOrUpdateToleration(out, exists(taintNodeNetworkUnavailable, 'NoSchedule'));
  return out;
}

function untolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  return findMatchingUntoleratedTaint(taints, tolerations, (t) => effects.includes(t.effect));
}

export interface NodePlacement {
  /** a daemon pod should be created on the node if none is there */
  shouldRun: boolean;
  /** a daemon pod already there may stay (it tolerates every NoExecute taint) */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSetObject): NodePlacement {
  const nodeName = node.metadata.name ?? '';
  const tspec = ds.spec.template.spec ?? { containers: [] };
  if (tspec.nodeName && tspec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  const pod: Pod = {
    metadata: { ...(ds.spec.template.metadata ?? {}), namespace: ds.metadata.namespace ?? '' },
    spec: { ...tspec, nodeName, tolerations: daemonPodTolerations(tspec) },
  };
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec.taints ?? [];
  const tolerations = pod.spec.tolerations ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    // A pod already there stays unless a NoExecute taint would evict it.
    return { shouldRun: false, shouldContinueRunning: untolerated(taints, tolerations, ['NoExecute']) === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

const NODE_NAME_FIELD = 'metadata.name';

/**
 * util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity
 * becomes the single term metadata.name In [nodeName]; the template's own
 * required terms were already checked against that node.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const req: NodeSelectorRequirement = { key: NODE_NAME_FIELD, operator: 'In', values: [nodeName] };
  const required = { nodeSelectorTerms: [{ matchFields: [req] }] };
  const out: Affinity = structuredClone(affinity ?? {});
  out.nodeAffinity = { ...(out.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required };
  return out;
}

/** util.GetTargetNodeName: the node a daemon pod is bound to, or pinned to by its affinity. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === NODE_NAME_FIELD && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
