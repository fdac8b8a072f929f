// Recording core/v1 Events about objects, for every component, as client-go's
// event recorder, correlator and broadcaster do it:
// - the same event again for the same object (same source, type, reason and
//   message) bumps count and lastTimestamp on the Event already written
//   instead of creating another;
// - once an object has had 10 events of one source, type and reason with
//   different messages within 10 minutes, further ones go into a single
//   "(combined from similar events): ..." Event that counts them and carries
//   the latest message;
// - each source may write 25 events about one object, then one every 5
//   minutes (EventSourceObjectSpamFilter); an event held back still counts,
//   so the next one written carries every occurrence;
// - writes go through a bounded queue (EventSink) that a component can put on
//   a client of its own, so that events never take from the budget of the
//   client its real work runs on. Recording never blocks or fails the caller:
//   when the queue is full the event is dropped and counted, and an event
//   that cannot be written is logged and dropped.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Event } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { realClock, type Clock } from './clock.js';
import { isNotFound } from './errors.js';
import type { ResourceRef } from './paths.js';
import { TokenBucket } from './ratelimit.js';
import type { RestClient, ResourceClient } from './rest.js';

const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

export type EventType = 'Normal' | 'Warning';

type EventObject = Event & KubeObject;
type InvolvedObject = NonNullable<Event['involvedObject']>;

/** client-go's defaultAggregateMaxEvents and defaultAggregateIntervalInSeconds. */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const AGGREGATE_PREFIX = '(combined from similar events): ';

/** client-go's defaultSpamBurst and defaultSpamQPS: 25 events about one object, then one per 5 minutes. */
export const EVENT_SPAM_BURST = 25;
export const EVENT_SPAM_QPS = 1 / 300;

/** client-go's maxQueuedEvents: events waiting to be written before new ones are dropped. */
export const EVENT_QUEUE_CAPACITY = 1000;

/**
 * Event writes in flight at once per sink: enough to keep up with a thousand
 * events a second at a loaded apiserver's round trip, few enough that events
 * never hold more than a handful of connections.
 */
const EVENT_WRITE_CONCURRENCY = 16;

/** Why an event was not written. */
export type EventDropReason = 'queue_full' | 'spam_filtered';

export interface EventSinkOptions {
  /** events waiting to be written; further ones are dropped (client-go's 1000) */
  capacity?: number;
  /** writes in flight at once */
  concurrency?: number;
  log?: Logger;
  /** called for every event not written */
  onDropped?: (reason: EventDropReason) => void;
}

/** One pending write: the latest state of an Event, written when a slot is free. */
type EventWrite = (signal: AbortSignal) => Promise<void>;

/**
 * Where recorders' events wait to be written (client-go's broadcaster and
 * its sink): a bounded, keyed queue drained by a few concurrent writes through
 * the sink's client. One key is never written twice at once, and a key
 * already waiting is not queued again: its write reads the Event's state when
 * it runs, so it carries every occurrence recorded in the meantime.
 */
export class EventSink {
  private readonly queue = new Map<string, EventWrite>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private readonly ctl = new AbortController();
  private readonly capacity: number;
  private readonly concurrency: number;
  private closed = false;
  private droppedSinceLog = 0;
  private lastDropLogMs = 0;

  constructor(
    readonly client: RestClient,
    private readonly opts: EventSinkOptions = {},
  ) {
    this.capacity = opts.capacity ?? EVENT_QUEUE_CAPACITY;
    this.concurrency = opts.concurrency ?? EVENT_WRITE_CONCURRENCY;
    // every write in flight listens for the shutdown
    setMaxListeners(0, this.ctl.signal);
  }

  /** Events waiting to be written (not counting those in flight). */
  get queued(): number {
    return this.queue.size;
  }

  /**
   * Queues the write for key without waiting. False when it was dropped: the
   * queue is full or the sink shut down.
   */
  offer(key: string, write: EventWrite): boolean {
    if (this.queue.has(key)) {
      this.queue.set(key, write);
      return true;
    }
    if (this.closed || this.queue.size >= this.capacity) {
      this.dropped('queue_full');
      return false;
    }
    this.queue.set(key, write);
    this.pump();
    return true;
  }

  /** Counts an event the recorder held back (spam filter). */
  filtered(): void {
    this.opts.onDropped?.('spam_filtered');
  }

  /** Resolves once nothing is queued or in flight. */
  flush(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Takes no more events, gives those queued up to graceMs to be written,
   * then drops the rest and aborts writes still in flight.
   */
  async shutdown(graceMs = 0): Promise<void> {
    this.closed = true;
    if (graceMs > 0 && !this.isIdle()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.queue.clear();
    this.ctl.abort();
    await Promise.allSettled([...this.inFlight.values()]);
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.queue.size === 0 && this.inFlight.size === 0;
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency) {
      const next = this.nextReady();
      if (!next) return;
      const [key, write] = next;
      this.queue.delete(key);
      const running = write(this.ctl.signal)
        .catch((err: unknown) => {
          if (!this.ctl.signal.aborted) this.opts.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not record event');
        })
        .finally(() => {
          this.inFlight.delete(key);
          this.pump();
          this.notifyIdle();
        });
      this.inFlight.set(key, running);
    }
  }

  /** The oldest queued key not being written right now (at most `concurrency` are skipped). */
  private nextReady(): [string, EventWrite] | undefined {
    for (const entry of this.queue) if (!this.inFlight.has(entry[0])) return entry;
    return undefined;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private dropped(reason: EventDropReason): void {
    this.opts.onDropped?.(reason);
    this.droppedSinceLog++;
    const nowMs = Date.now();
    // the first drop, then a summary at most once a minute: a full queue drops by the thousand
    if (nowMs - this.lastDropLogMs < 60_000) return;
    this.opts.log?.warn({ dropped: this.droppedSinceLog, capacity: this.capacity, closed: this.closed }, 'event queue full; dropping events');
    this.droppedSinceLog = 0;
    this.lastDropLogMs = nowMs;
  }
}

const routedSinks = new WeakMap<RestClient, EventSink>();

/**
 * Sends the events of every EventRecorder made on `client` from now on to
 * `sink` (typically over a client of its own, as kube-scheduler's event
 * client). The caller must own `client`: every recorder made on it is
 * affected. Returns a function that undoes it.
 */
export function routeEvents(client: RestClient, sink: EventSink): () => void {
  routedSinks.set(client, sink);
  return () => {
    if (routedSinks.get(client) === sink) routedSinks.delete(client);
  };
}

/**
 * The sink for a recorder made on `client`: the one routed to it, else a new
 * one writing through `client` (the recorder's own queue, as every client-go
 * broadcaster has its own: a hundred hollow kubelets on one client must not
 * share one queue).
 */
export function eventSinkFor(client: RestClient, opts: EventSinkOptions = {}): EventSink {
  return routedSinks.get(client) ?? new EventSink(client, opts);
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
  /** how many distinct events (and objects, for the spam filter) are remembered (client-go's LRU holds 4096) */
  cacheSize?: number;
  /** reportingInstance, e.g. "<hostname>_<id>" */
  instance?: string;
  /** source.host: the node a kubelet's events come from */
  host?: string;
}

interface SimilarEvents {
  messages: Set<string>;
  lastMs: number;
}

/** What is known of one Event: every occurrence observed, and its name once written. */
interface EventState {
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  action: string | undefined;
  namespace: string;
  /** occurrences observed, the ones held back by the spam filter included */
  count: number;
  firstMs: number;
  lastMs: number;
  /** set once the Event exists on the server */
  name?: string;
}

/** An LRU map: reading or writing an entry makes it the newest; the oldest go past `size`. */
class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.size) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }
}

let recorderIds = 0;

export class EventRecorder {
  private readonly events: ResourceClient<EventObject>;
  private readonly sink: EventSink;
  /** keeps this recorder's keys apart from other recorders' on a shared sink */
  private readonly id = ++recorderIds;
  private readonly states: Lru<EventState>;
  /** by source, object, type and reason: the distinct messages seen lately */
  private readonly similar: Lru<SimilarEvents>;
  /** by source and object: the spam filter's token buckets */
  private readonly spam: Lru<TokenBucket>;
  private readonly spamClock: Clock;
  private readonly now: () => number;

  constructor(
    client: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.sink = eventSinkFor(client, opts.log ? { log: opts.log } : {});
    this.events = this.sink.client.resource<EventObject>(eventsRef);
    this.now = opts.now ?? Date.now;
    const cacheSize = opts.cacheSize ?? 4096;
    this.states = new Lru(cacheSize);
    this.similar = new Lru(cacheSize);
    this.spam = new Lru(cacheSize);
    this.spamClock = { now: () => this.now(), setTimeout: (fn, ms) => realClock.setTimeout(fn, ms), clearTimeout: (h) => realClock.clearTimeout(h) };
  }

  /** Records an event about obj in the background; never waits and never throws. */
  event(obj: KubeObject, type: EventType, reason: string, message: string, action?: string): void {
    const involved: InvolvedObject = {
      kind: obj.kind ?? this.opts.involvedKind?.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion ?? this.opts.involvedKind?.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    const objectKey = [this.opts.component, this.opts.host ?? '', involved.kind, involved.namespace, involved.name, involved.uid, involved.apiVersion].join('\u0000');
    const aggregateKey = [objectKey, type, reason].join('\u0000');
    const combined = this.aggregate(aggregateKey, message);
    const key = combined ? aggregateKey : `${aggregateKey}\u0000${message}`;
    const nowMs = this.now();
    let state = this.states.get(key);
    if (!state) {
      state = { involved, type, reason, message, action, namespace: involved.namespace || 'default', count: 0, firstMs: nowMs, lastMs: nowMs };
      this.states.set(key, state);
    }
    state.count++;
    if (!this.allow(objectKey)) {
      this.sink.filtered();
      return;
    }
    state.involved = involved;
    state.message = combined ? AGGREGATE_PREFIX + message : message;
    state.action = action;
    state.lastMs = nowMs;
    const written = state;
    this.sink.offer(`${this.id}\u0000${key}`, (signal) => this.write(written, signal));
  }

  /** Resolves once every event recorded so far has been written (or given up on). */
  async flush(): Promise<void> {
    await this.sink.flush();
  }

  /** EventSourceObjectSpamFilter: whether the source may write about this object now. */
  private allow(objectKey: string): boolean {
    let bucket = this.spam.get(objectKey);
    if (!bucket) {
      bucket = new TokenBucket(EVENT_SPAM_QPS, EVENT_SPAM_BURST, this.spamClock);
      this.spam.set(objectKey, bucket);
    }
    return bucket.tryAccept();
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
    this.similar.set(aggregateKey, record);
    if (record.messages.size < AGGREGATE_MAX_EVENTS) return false;
    // Keep the set from growing past the threshold (client-go pops one at random).
    const any = record.messages.values().next().value;
    if (any !== undefined) record.messages.delete(any);
    return true;
  }

  /** Writes the Event as it stands now: a patch of the one already written, else a new one. */
  private async write(state: EventState, signal: AbortSignal): Promise<void> {
    const count = state.count;
    const lastTimestamp = rfc3339(state.lastMs);
    try {
      if (state.name) {
        try {
          await this.events.patch(state.namespace, state.name, { count, lastTimestamp, message: state.message }, 'merge', { signal });
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          state.name = undefined;
        }
      }
      const created = await this.events.create(
        state.namespace,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${state.involved.name ?? 'unknown'}.${eventNameSuffix(this.now())}`, namespace: state.namespace },
          involvedObject: state.involved,
          reason: state.reason,
          message: state.message,
          source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
          firstTimestamp: rfc3339(state.firstMs),
          lastTimestamp,
          count,
          type: state.type,
          reportingComponent: this.opts.component,
          reportingInstance: this.opts.instance ?? '',
          ...(state.action ? { action: state.action } : {}),
        },
        { signal },
      );
      state.name = created.metadata.name;
    } catch (err) {
      if (signal.aborted) return;
      this.opts.log?.warn({ reason: state.reason, err: err instanceof Error ? err.message : String(err) }, 'could not record event');
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
