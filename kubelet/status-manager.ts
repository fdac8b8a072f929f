// The kubelet's status manager: pod workers hand it the status they computed;
// it keeps condition transition times and the start time, and writes a pod's
// status through pods/status only when it changed, from its own queue so a
// slow apiserver never holds up a pod worker. A write carries the
// resourceVersion it was based on; a conflict re-reads the pod and tries
// again. For a pod being deleted whose containers have stopped, it confirms
// the deletion (grace period 0, uid precondition).
import type { Logger } from 'pino';
import type { Pod, PodCondition, PodStatus } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { rfc3339 } from '../src/client/events.js';
import {
  isConflict,
  isNotFound,
  runWorkers,
  WorkQueue,
  ItemExponentialFailureRateLimiter,
  type ResourceRef,
  type RestClient,
} from '../src/client/index.js';
import { deepEqual } from './node-status.js';
import { KUBELET_CONDITIONS } from './pod-status.js';

export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export type PodObject = Pod & KubeObject;

/** Kubernetes caps status messages this long (kubelet truncates longer ones). */
const MAX_MESSAGE_LENGTH = 12 * 1024;

interface Entry {
  namespace: string;
  name: string;
  status: PodStatus;
  /** the last status the server accepted from us */
  written?: PodStatus;
  /** the pod's containers have stopped for good and it is being deleted: confirm the deletion */
  deletable: boolean;
  deleteSent: boolean;
}

export interface StatusManagerOptions {
  client: RestClient;
  /** the pod as the informer has it, by uid */
  lookup: (uid: string) => Pod | undefined;
  now?: () => number;
  log?: Logger;
  /** concurrent writers; 1 as Kubernetes' status manager */
  workers?: number;
}

function isTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Status as compared for "did it change": the kubelet's conditions by type, without times. */
function comparable(s: PodStatus | undefined): unknown {
  if (!s) return undefined;
  const conditions = (s.conditions ?? [])
    .filter((c) => KUBELET_CONDITIONS.has(c.type))
    .map(({ lastTransitionTime: _t, lastProbeTime: _p, ...rest }) => rest)
    .sort((a, b) => (a.type < b.type ? -1 : 1));
  return { ...s, conditions };
}

export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(500, 30_000) });
  private readonly now: () => number;
  private running?: Promise<void>;

  constructor(private readonly opts: StatusManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.running ??= runWorkers(this.queue, this.opts.workers ?? 1, (uid) => this.sync(uid), {
      onError: (err, uid) => this.opts.log?.warn({ uid, err: err instanceof Error ? err.message : String(err) }, 'could not update pod status'),
    });
  }

  async stop(): Promise<void> {
    await this.queue.shutDownWithDrain();
    await this.running;
  }

  /** The status last set for the pod, if any. */
  getPodStatus(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.status;
  }

  /**
   * Records the pod's new status: kubelet conditions whose status did not
   * change keep their lastTransitionTime; the start time is set once. Queued
   * for writing only if it differs from the last one.
   */
  setPodStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    const entry = this.entries.get(uid);
    const old = entry?.status ?? pod.status ?? {};
    const now = rfc3339(this.now());
    const next: PodStatus = structuredClone(status);
    next.conditions = (next.conditions ?? []).map((c): PodCondition => {
      if (!KUBELET_CONDITIONS.has(c.type)) return c;
      const prev = old.conditions?.find((o) => o.type === c.type);
      const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
      return { ...c, lastTransitionTime };
    });
    if (!next.startTime) next.startTime = old.startTime ?? pod.status?.startTime ?? now;
    if (next.message && next.message.length > MAX_MESSAGE_LENGTH) next.message = next.message.slice(0, MAX_MESSAGE_LENGTH);
    // a terminal phase is final
    if (isTerminal(old.phase) && !isTerminal(next.phase)) next.phase = old.phase;

    if (entry) {
      if (deepEqual(comparable(entry.status), comparable(next))) return;
      entry.status = next;
    } else {
      this.entries.set(uid, { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', status: next, deletable: false, deleteSent: false });
    }
    this.queue.add(uid);
  }

  /** The pod's containers are stopped and it has a deletionTimestamp: write the final status, then delete it for good. */
  markDeletable(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const entry = this.entries.get(uid);
    if (!entry) {
      this.entries.set(uid, {
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name ?? '',
        status: pod.status ?? {},
        written: pod.status ?? {},
        deletable: true,
        deleteSent: false,
      });
    } else entry.deletable = true;
    this.queue.add(uid);
  }

  /** Forgets a pod that is gone from the API. */
  forget(uid: string): void {
    this.entries.delete(uid);
    this.queue.forget(uid);
  }

  /** Queues every pod again (after an apiserver outage, or at resync). */
  resyncAll(): void {
    for (const uid of this.entries.keys()) this.queue.add(uid);
  }

  private async fetch(entry: Entry): Promise<PodObject | undefined> {
    try {
      return await this.opts.client.resource<PodObject>(podsRef).get(entry.namespace, entry.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async sync(uid: string): Promise<void> {
    const entry = this.entries.get(uid);
    if (!entry) return;
    let pod: Pod | undefined = this.opts.lookup(uid);
    for (let attempt = 0; ; attempt++) {
      if (!pod || attempt > 0) pod = await this.fetch(entry);
      // gone, or the name now belongs to a new pod: nothing of ours to write
      if (!pod || pod.metadata.uid !== uid) {
        this.forget(uid);
        return;
      }
      const status = entry.status;
      const needsWrite = !deepEqual(comparable(entry.written ?? pod.status), comparable(status));
      if (!needsWrite) break;
      const merged = this.merge(pod, status);
      try {
        await this.opts.client.resource<PodObject>(podsRef).updateStatus(entry.namespace, { ...(pod as PodObject), status: merged });
        // the entry may have changed while the write was in flight; only what was sent counts as written
        entry.written = status;
        break;
      } catch (err) {
        if (isNotFound(err)) {
          this.forget(uid);
          return;
        }
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
    if (entry.deletable && !entry.deleteSent && pod.metadata.deletionTimestamp) {
      try {
        await this.opts.client.resource<PodObject>(podsRef).delete(entry.namespace, entry.name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        // gone already, or the name now belongs to another pod (the uid precondition failed)
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      entry.deleteSent = true;
      this.opts.log?.debug({ pod: `${entry.namespace}/${entry.name}` }, 'pod deletion confirmed');
    }
  }

  /** Conditions the kubelet does not own stay as the server has them (mergePodStatus). */
  private merge(pod: Pod, status: PodStatus): PodStatus {
    const others = (pod.status?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
    const ours = (status.conditions ?? []).filter((c) => KUBELET_CONDITIONS.has(c.type));
    const merged: PodStatus = { ...status, conditions: [...others, ...ours] };
    // fields the kubelet never sets are the server's (the scheduler's nomination, ...)
    for (const k of ['nominatedNodeName', 'resize', 'ephemeralContainerStatuses', 'observedGeneration'] as const) {
      if (pod.status?.[k] !== undefined) (merged as Record<string, unknown>)[k] = pod.status[k];
    }
    return merged;
  }
}
