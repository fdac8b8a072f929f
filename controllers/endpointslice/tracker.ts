// Kubernetes' EndpointSliceTracker: the slices this controller wrote or
// deleted, and at which resourceVersion, so that a sync never acts on a
// cache that has not caught up with its own writes (it would create a slice
// twice or resurrect one it deleted), and so that the echo of its own write
// does not trigger another sync while a change made by someone else does.
import type { EndpointSliceObject } from './reconciler.js';

const deletionExpected = null;

function rv(slice: EndpointSliceObject): bigint {
  try {
    return BigInt(slice.metadata.resourceVersion ?? '0');
  } catch {
    return 0n;
  }
}

export class EndpointSliceTracker {
  /** service key to slice uid to the resourceVersion written, or null when its deletion is expected */
  private readonly byService = new Map<string, Map<string, bigint | null>>();

  private entries(serviceKey: string): Map<string, bigint | null> {
    let m = this.byService.get(serviceKey);
    if (!m) {
      m = new Map();
      this.byService.set(serviceKey, m);
    }
    return m;
  }

  /** Remembers a slice as the apiserver returned it from this controller's create or update. */
  written(serviceKey: string, slice: EndpointSliceObject): void {
    const uid = slice.metadata.uid;
    if (uid) this.entries(serviceKey).set(uid, rv(slice));
  }

  expectDeletion(serviceKey: string, slice: EndpointSliceObject): void {
    const uid = slice.metadata.uid;
    if (uid) this.entries(serviceKey).set(uid, deletionExpected);
  }

  has(serviceKey: string, slice: EndpointSliceObject): boolean {
    return this.byService.get(serviceKey)?.has(slice.metadata.uid ?? '') ?? false;
  }

  /** Whether a cached slice is news to this controller: unknown, or changed after its own last write. */
  shouldSync(serviceKey: string, slice: EndpointSliceObject): boolean {
    const written = this.byService.get(serviceKey)?.get(slice.metadata.uid ?? '');
    if (written === undefined) return true;
    return written !== deletionExpected && rv(slice) > written;
  }

  /** Forgets a slice seen deleted; false when nobody here expected that deletion. */
  handleDeletion(serviceKey: string, slice: EndpointSliceObject): boolean {
    const m = this.byService.get(serviceKey);
    const uid = slice.metadata.uid ?? '';
    const expected = m?.get(uid) === deletionExpected && m?.has(uid);
    m?.delete(uid);
    if (m && m.size === 0) this.byService.delete(serviceKey);
    return Boolean(expected);
  }

  /** StaleSlices: the cache still shows a slice deleted here, an older version of one written, or lacks one created. */
  stale(serviceKey: string, cached: EndpointSliceObject[]): boolean {
    const m = this.byService.get(serviceKey);
    if (!m) return false;
    const seen = new Set<string>();
    for (const s of cached) {
      const uid = s.metadata.uid ?? '';
      seen.add(uid);
      if (!m.has(uid)) continue;
      const written = m.get(uid)!;
      if (written === deletionExpected || written > rv(s)) return true;
    }
    for (const [uid, written] of m) if (written !== deletionExpected && !seen.has(uid)) return true;
    return false;
  }

  forgetService(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }
}
