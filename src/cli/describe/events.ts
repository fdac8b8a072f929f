// The Events section that closes a description: the core/v1 Events about the
// object, oldest first, with kubectl's Age column ("2m (x5 over 10m)" for a
// repeated event).
import type { Event } from '../../api/core/v1.js';
import type { KubeObject } from '../../api/meta.js';
import { since } from './time.js';
import { LEVEL_0, LEVEL_1, type PrefixWriter } from './writer.js';

function timeOf(s: string | null | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** The moment an event is sorted by (kubectl's SortableEvents). */
function eventTime(e: Event): number {
  if (e.series) return timeOf(e.series.lastObservedTime);
  if (e.lastTimestamp) return timeOf(e.lastTimestamp);
  return timeOf(e.eventTime);
}

/** kubectl's Age cell of one event. */
export function eventAge(e: Event, now: number): string {
  const first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  if (e.series) return `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

/** DescribeEvents. */
export function describeEvents(w: PrefixWriter, events: Event[], now: number): void {
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  // Array.prototype.sort is stable, like the order Go's sort.Sort happens to keep for equal times in practice.
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const source = e.source?.component || e.reportingComponent || '';
    w.write(LEVEL_1, `${e.type ?? ''}\t${e.reason ?? ''}\t${eventAge(e, now)}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

/**
 * Whether an event is about this object: same name, namespace and (unless
 * ignored, as kubectl does for pods) kind, and the same uid when the event
 * names one (or one of otherUids: kubelet names a node by its name there).
 */
export function eventIsAbout(e: Event, obj: KubeObject, kind: string | undefined, otherUids: readonly string[] = []): boolean {
  const ref = e.involvedObject;
  if ((ref.name ?? '') !== (obj.metadata.name ?? '')) return false;
  if ((ref.namespace ?? '') !== (obj.metadata.namespace ?? '')) return false;
  if (kind !== undefined && (ref.kind ?? '') !== kind) return false;
  return !ref.uid || ref.uid === obj.metadata.uid || otherUids.includes(ref.uid);
}
