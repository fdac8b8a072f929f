// The DefaultTolerationSeconds admission plugin: a new pod that does not
// already tolerate the node.kubernetes.io/not-ready and unreachable NoExecute
// taints gets tolerations for them limited to 300 seconds (configurable), so
// its pods leave a dead node five minutes after the node lifecycle
// controller taints it, instead of at once.
import type { Pod, Toleration } from '../../src/api/core/v1.js';
import { taintNodeNotReady, taintNodeUnreachable } from '../../src/machinery/taints.js';

/** Kubernetes' --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const defaultTolerationSeconds = 300;

export interface DefaultTolerationSecondsConfig {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

/** Whether a toleration covers the NoExecute taint with this key (an empty key or effect covers all). */
function covers(t: Toleration, key: string): boolean {
  return (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute');
}

/** Adds the default tolerations the pod lacks, in place. */
export function admitDefaultTolerationSeconds(pod: Pod, config: DefaultTolerationSecondsConfig = {}): void {
  if (!pod.spec) return;
  const tolerations = pod.spec.tolerations ?? [];
  const add: Toleration[] = [];
  if (!tolerations.some((t) => covers(t, taintNodeNotReady))) {
    add.push({ key: taintNodeNotReady, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: config.notReadySeconds ?? defaultTolerationSeconds });
  }
  if (!tolerations.some((t) => covers(t, taintNodeUnreachable))) {
    add.push({ key: taintNodeUnreachable, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: config.unreachableSeconds ?? defaultTolerationSeconds });
  }
  if (add.length > 0) pod.spec.tolerations = [...tolerations, ...add];
}
