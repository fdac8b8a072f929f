// Creating and deleting an owner's pods the way Kubernetes' workload
// controllers do (controller_utils' RealPodControl and the slow-start loops
// around it): each creation and deletion is recorded as an event on the
// owner, creations go out in slow-start batches, and a creation or deletion
// that no informer event will ever show is marked observed at once, so the
// owner's expectations never wait for it.
import type { KubeObject } from '../../src/api/meta.js';
import type { EventRecorder } from '../../src/client/events.js';
import { isNamespaceTerminating, isNotFound, type ResourceClient } from '../../src/client/index.js';
import { errorMessage } from '../controller.js';
import type { PodObject } from '../replicaset/pods.js';

/** Kubernetes' SlowStartInitialBatchSize. */
export const slowStartInitialBatchSize = 1;

/**
 * Calls fn count times in batches of 1, 2, 4, ... (each batch in parallel),
 * stopping after the first batch with a failure, so a request doomed to fail
 * (quota, admission) is sent a handful of times rather than count times.
 * fn gets the call's position, 0 to count - 1. Returns how many calls
 * succeeded and the first error, if any.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (i: number) => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const start = count - remaining;
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, j) => fn(start + j)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length) return { successes, error: failed[0]!.reason };
    remaining -= batch;
  }
  return { successes };
}

/** What PodControl tells an owner's expectations (ControllerExpectations and CreateDeleteExpectations both fit). */
export interface PodExpectations {
  creationObserved(key: string): void;
  deletionObserved(key: string, podKey: string): void;
}

const podKey = (pod: PodObject): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

export class PodControl {
  constructor(
    private readonly client: ResourceClient<PodObject>,
    private readonly recorder: Pick<EventRecorder, 'event'>,
    private readonly expectations: PodExpectations,
  ) {}

  /**
   * Creates count pods in the owner's namespace in slow-start batches,
   * makePod(i) building the i-th; the creations must already be expected
   * under key. A namespace being deleted refuses new pods, and that is no
   * failure of the owner: such a creation counts as a success.
   */
  async createPods(owner: KubeObject, key: string, count: number, makePod: (i: number) => PodObject): Promise<{ successes: number; error?: unknown }> {
    const namespace = owner.metadata.namespace ?? '';
    const result = await slowStartBatch(count, slowStartInitialBatchSize, async (i) => {
      try {
        const pod = await this.client.create(namespace, makePod(i));
        this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        if (isNamespaceTerminating(err)) return;
        this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    // Creations never sent will never be observed.
    for (let i = result.successes; i < count; i++) this.expectations.creationObserved(key);
    return result;
  }

  /**
   * Deletes the pod (that very one: a uid precondition) after `first`, if
   * given, has run. A pod already gone rejects with its NotFound and no
   * event; any other failure of either step is recorded as FailedDelete.
   */
  async delete(owner: KubeObject, pod: PodObject, first?: () => Promise<void>): Promise<void> {
    try {
      await first?.();
      await this.client.delete(pod.metadata.namespace, pod.metadata.name ?? '', { preconditions: { uid: pod.metadata.uid ?? '' } });
      this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (!isNotFound(err)) this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }

  /**
   * delete for a deletion expected under key. A deletion that did not happen
   * will never be observed, so a failure marks it observed; a pod already
   * gone is no failure. Resolves true when this request deleted the pod,
   * false when it was already gone.
   */
  async deleteExpected(owner: KubeObject, key: string, pod: PodObject, first?: () => Promise<void>): Promise<boolean> {
    try {
      await this.delete(owner, pod, first);
      return true;
    } catch (err) {
      this.expectations.deletionObserved(key, podKey(pod));
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** deleteExpected for each pod, all at once; the first failure, if any. */
  async deletePods(owner: KubeObject, key: string, pods: PodObject[]): Promise<{ error?: unknown }> {
    const results = await Promise.allSettled(pods.map((pod) => this.deleteExpected(owner, key, pod)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    return failed ? { error: failed.reason } : {};
  }
}
