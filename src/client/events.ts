// Recording core/v1 Events about objects, for every component (client-go's
// EventRecorder with its correlator's de-duplication): the same event again for the same object
// (same source, type, reason and message) bumps count and lastTimestamp on
// the Event already written instead of creating another. Like the
// correlator's aggregator, once an object has had 10 events of one source,
// type and reason with different messages within 10 minutes, further ones
// go into a single "(combined from similar events): ..." Event that counts
// them and carries the latest message. Recording never fails the caller: an
// event that cannot be written is logged and dropped.
import type { Logger } from 'pino';
import type { Event } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { isNotFound } from './errors.js';
import type { ResourceRef } from './paths.js';
import type { RestClient, ResourceClient } from './rest.js';

const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

export type EventType = 'Normal' | 'Warning';

type EventObject = Event & KubeObject;

/** client-go's defaultAggregateMaxEvents and defaultAggregateIntervalInSeconds. */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const AGGREGATE_PREFIX = '(combined from similar events): ';

interface SimilarEvents {
  messages: Set<string>;
  lastMs: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

/** Kubernetes' time format for Event timestamps: RFC 3339, whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface EventRecorderOptions {
  /** source.component, e.g. "deployment-controller" */
  component: string;
  /** the kind of object events are about when the object does not say (list items carry no kind) */
  involvedKind?: { apiVersion: string; kind: string };
  log?: Logger;
  now?: () => number;
  /** how many distinct events are remembered for de-duplication (client-go's LRU holds 4096) */
  cacheSize?: number;
  /** reportingInstance, e.g. "<hostname>_<id>" */
  instance?: string;
  /** source.host: the node a kubelet's events come from */
  host?: string;
}

export class EventRecorder {
  private readonly events: ResourceClient<EventObject>;
  private readonly seen = new Map<string, Seen>();
  /** by source, object, type and reason: the distinct messages seen lately */
  private readonly similar = new Map<string, SimilarEvents>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private readonly cacheSize: number;

  constructor(
    client: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.events = client.resource<EventObject>(eventsRef);
    this.now = opts.now ?? Date.now;
    this.cacheSize = opts.cacheSize ?? 4096;
  }

  /** Records an event about obj in the background; flush() waits for every write started so far. */
  event(obj: KubeObject, type: EventType, reason: string, message: string, action?: string): void {
    const involved = {
      kind: obj.kind ?? this.opts.involvedKind?.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion ?? this.opts.involvedKind?.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    const aggregateKey = [this.opts.component, this.opts.host ?? '', involved.kind, involved.namespace, involved.name, involved.uid, involved.apiVersion, type, reason].join('\u0000');
    const combined = this.aggregate(aggregateKey, message);
    const key = combined ? aggregateKey : `${aggregateKey}\u0000${message}`;
    const text = combined ? AGGREGATE_PREFIX + message : message;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(key, involved, type, reason, text, action))
      .catch((err: unknown) => {
        this.opts.log?.warn({ reason, err: err instanceof Error ? err.message : String(err) }, 'could not record event');
      })
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /**
   * EventAggregate: whether this event joins the combined one of its kind,
   * because enough different messages of that kind came lately.
   */
  private aggregate(aggregateKey: string, message: string): boolean {
    const nowMs = this.now();
    let record = this.similar.get(aggregateKey);
    if (!record || nowMs - record.lastMs > AGGREGATE_INTERVAL_MS) record = { messages: new Set(), lastMs: nowMs };
    record.messages.add(message);
    record.lastMs = nowMs;
    this.similar.delete(aggregateKey);
    this.similar.set(aggregateKey, record);
    while (this.similar.size > this.cacheSize) {
      const oldest = this.similar.keys().next().value;
      if (oldest === undefined) break;
      this.similar.delete(oldest);
    }
    if (record.messages.size < AGGREGATE_MAX_EVENTS) return false;
    // Keep the set from growing past the threshold (client-go pops one at random).
    const any = record.messages.values().next().value;
    if (any !== undefined) record.messages.delete(any);
    return true;
  }

  /** Resolves once every event recorded so far has been written (or given up on). */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async write(
    key: string,
    involved: NonNullable<Event['involvedObject']>,
    type: EventType,
    reason: string,
    message: string,
    action: string | undefined,
  ): Promise<void> {
    const nowMs = this.now();
    const timestamp = rfc3339(nowMs);
    const seen = this.seen.get(key);
    if (seen) {
      try {
        await this.events.patch(seen.namespace, seen.name, { count: seen.count + 1, lastTimestamp: timestamp, message }, 'merge');
        seen.count++;
        this.touch(key, seen);
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.seen.delete(key);
      }
    }
    const namespace = involved.namespace || 'default';
    const created = await this.events.create(namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.name ?? 'unknown'}.${eventNameSuffix(nowMs)}`, namespace },
      involvedObject: involved,
      reason,
      message,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
      type,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance ?? '',
      ...(action ? { action } : {}),
    });
    this.touch(key, { name: created.metadata.name ?? '', namespace, count: 1 });
  }

  private touch(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    while (this.seen.size > this.cacheSize) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}

let lastSuffix = 0n;

/** Kubernetes names events <object>.<unix nanoseconds in hex>; kept strictly increasing within this process. */
function eventNameSuffix(nowMs: number): string {
  let ns = BigInt(nowMs) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (ns <= lastSuffix) ns = lastSuffix + 1n;
  lastSuffix = ns;
  return ns.toString(16);
}
