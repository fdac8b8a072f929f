// Controller expectations (Kubernetes' ControllerExpectations and
// UIDTrackingControllerExpectations): after asking for N creations or
// deletions, a controller waits until its informer has shown it all N before
// it counts pods again, so a cache that lags behind its own writes never
// makes it create or delete twice. A record older than the TTL is treated as
// satisfied, so an event lost for good cannot wedge the controller.

/** Kubernetes' ExpectationsTimeout: 5 minutes. */
export const expectationsTimeoutMs = 5 * 60_000;

interface Record_ {
  add: number;
  del: number;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record_>();
  /** the pod keys each controller waits to see deleted */
  private readonly deletions = new Map<string, Set<string>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = expectationsTimeoutMs,
  ) {}

  /** True when the controller behind key may count again: nothing pending, no record, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.now() - r.timestamp > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.records.set(key, { add: n, del: 0, timestamp: this.now() });
  }

  /** Expects the deletion of these pods (namespace/name keys), replacing whatever was expected before. */
  expectDeletions(key: string, podKeys: string[]): void {
    this.deletions.set(key, new Set(podKeys));
    this.records.set(key, { add: 0, del: podKeys.length, timestamp: this.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** Counts a deletion only once per pod, and only for a pod the controller asked to delete. */
  deletionObserved(key: string, podKey: string): void {
    const uids = this.deletions.get(key);
    if (!uids?.delete(podKey)) return;
    const r = this.records.get(key);
    if (r) r.del--;
  }

  /** Pending (creations, deletions) for key, for logs and tests. */
  pending(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }

  forget(key: string): void {
    this.records.delete(key);
    this.deletions.delete(key);
  }
}
