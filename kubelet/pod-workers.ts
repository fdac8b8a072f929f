// One worker per pod, as Kubernetes' podWorkers: syncs of one pod never
// overlap (a change arriving mid-sync runs one more sync afterwards), syncs
// of different pods run concurrently, and each pod has one "due" time for
// its next sync (resync, back-off expiry, error retry) that the kubelet's
// tick honours, so no pod needs a timer of its own.
import type { Pod } from '../src/api/core/v1.js';

export type PodLifecycle = 'syncing' | 'terminating' | 'terminated';

export interface PodRecord {
  uid: string;
  /** the latest spec the apiserver gave us (the last known one once gone) */
  pod: Pod;
  /** deleted from the API, or no longer bound here */
  gone: boolean;
  lifecycle: PodLifecycle;
  firstSeenAt: number;
  /** pod start latency recorded */
  startObserved: boolean;
  volumesReady: boolean;
  lastVolumeRefreshAt: number;
  /** consecutive failed syncs */
  errors: number;
  /** why the kubelet itself ended the pod (activeDeadlineSeconds), reported with its Failed phase */
  failure?: { reason: string; message: string };
  busy: boolean;
  again: boolean;
  /** ms since the epoch; Infinity when nothing is scheduled */
  dueAt: number;
}

export interface PodWorkersOptions {
  sync: (rec: PodRecord) => Promise<void>;
  onError: (rec: PodRecord, err: unknown) => void;
  now: () => number;
  /** retry delay after a failed sync: doubling from initialMs to maxMs */
  errorBackoff: { initialMs: number; maxMs: number };
}

export class PodWorkers {
  private readonly records = new Map<string, PodRecord>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly opts: PodWorkersOptions) {}

  get(uid: string): PodRecord | undefined {
    return this.records.get(uid);
  }

  all(): IterableIterator<PodRecord> {
    return this.records.values();
  }

  get size(): number {
    return this.records.size;
  }

  /** Records the pod's latest state (creating its record) and syncs it now. */
  update(pod: Pod): PodRecord {
    const uid = pod.metadata.uid ?? '';
    let rec = this.records.get(uid);
    if (!rec) {
      rec = {
        uid,
        pod,
        gone: false,
        lifecycle: 'syncing',
        firstSeenAt: this.opts.now(),
        startObserved: false,
        volumesReady: false,
        lastVolumeRefreshAt: 0,
        errors: 0,
        busy: false,
        again: false,
        dueAt: Infinity,
      };
      this.records.set(uid, rec);
    } else {
      rec.pod = pod;
    }
    this.kick(rec);
    return rec;
  }

  /** The pod left the API (or this node): its worker stops it and cleans up. */
  markGone(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    const rec = this.records.get(uid);
    if (!rec) return;
    rec.pod = { ...rec.pod, metadata: { ...rec.pod.metadata, ...pick(pod) } };
    rec.gone = true;
    this.kick(rec);
  }

  remove(uid: string): void {
    this.records.delete(uid);
  }

  /** Syncs the pod after delayMs (the earliest of several requests wins). */
  schedule(uid: string, delayMs: number): void {
    const rec = this.records.get(uid);
    if (!rec) return;
    if (delayMs <= 0) {
      this.kick(rec);
      return;
    }
    rec.dueAt = Math.min(rec.dueAt, this.opts.now() + delayMs);
  }

  scheduleAt(uid: string, at: number): void {
    this.schedule(uid, at - this.opts.now());
  }

  /** Starts the sync of every pod whose due time has come. */
  dispatchDue(now: number): void {
    for (const rec of this.records.values()) if (rec.dueAt <= now) this.kick(rec);
  }

  kick(rec: PodRecord): void {
    if (this.stopped) return;
    if (rec.busy) {
      rec.again = true;
      return;
    }
    rec.busy = true;
    rec.dueAt = Infinity;
    const run = this.run(rec);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async run(rec: PodRecord): Promise<void> {
    try {
      do {
        rec.again = false;
        try {
          await this.opts.sync(rec);
          rec.errors = 0;
        } catch (err) {
          rec.errors++;
          this.opts.onError(rec, err);
          const { initialMs, maxMs } = this.opts.errorBackoff;
          this.schedule(rec.uid, Math.min(maxMs, initialMs * 2 ** (rec.errors - 1)));
        }
      } while (rec.again && !this.stopped && this.records.get(rec.uid) === rec);
    } finally {
      rec.busy = false;
    }
  }

  /** Stops starting syncs and waits for those running. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}

/** What the final state of a deleted pod adds to the last one we saw. */
function pick(pod: Pod): Partial<Pod['metadata']> {
  const m = pod.metadata;
  return {
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    ...(m.deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds: m.deletionGracePeriodSeconds } : {}),
  };
}
