// The shape every controller follows (client-go's pattern): informer event
// handlers only turn objects into keys (`namespace/name`) on a rate-limited
// work queue; N workers pop keys and call one idempotent sync(key) that reads
// from the informer caches; a failed sync re-queues its key with the queue's
// backoff, a successful one clears it.
import type { Logger } from 'pino';
import type { KubeObject } from '../src/api/meta.js';
import {
  metaNamespaceKey,
  runWorkers,
  WorkQueue,
  type Clock,
  type EventHandlers,
  type Informer,
  type RateLimiter,
  type RestClient,
  type SharedInformerFactory,
} from '../src/client/index.js';
import type { ControllerManagerMetrics } from './metrics.js';

/** What the manager hands every controller it builds, once per leadership term. */
export interface ControllerContext {
  /**
   * The controller's own client (kube-controller-manager's per-controller
   * client): its rate limit is this controller's alone. Events recorded on
   * it go through the manager's event client, off that budget.
   */
  client: RestClient;
  /** shared by every controller of the term: one cache per resource */
  informers: SharedInformerFactory;
  /** already names the controller in every line */
  log: Logger;
  metrics?: ControllerManagerMetrics;
  clock?: Clock;
}

export interface Controller {
  readonly name: string;
  /** Waits for its caches, then works until signal aborts; resolves once every worker has stopped. */
  start(signal: AbortSignal): Promise<void>;
}

/** A controller the manager can build, named as --controllers names it. */
export interface ControllerDescriptor {
  readonly name: string;
  /** left out of "*" and run only when named explicitly (Kubernetes' disabled-by-default controllers) */
  readonly disabledByDefault?: boolean;
  init(ctx: ControllerContext): Controller;
}

/**
 * What a sync may return besides plain success: look at the key again after
 * a while. Unlike a failure this does not grow the key's backoff (waiting for
 * something that takes known time, such as pods terminating gracefully).
 */
export type SyncResult = void | { requeueAfterMs: number };

export interface QueueControllerOptions {
  name: string;
  /** parallel syncs; one key is never synced by two workers at once */
  workers?: number;
  /** defaults to client-go's: 5 ms doubling to 1000 s per key, 10 qps overall */
  rateLimiter?: RateLimiter<string>;
}

export abstract class QueueController implements Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  protected readonly log: Logger;
  protected readonly metrics?: ControllerManagerMetrics;
  private readonly workers: number;
  private readonly caches: Informer<KubeObject>[] = [];

  constructor(ctx: ControllerContext, opts: QueueControllerOptions) {
    this.name = opts.name;
    this.log = ctx.log;
    if (ctx.metrics) this.metrics = ctx.metrics;
    this.workers = opts.workers ?? 1;
    this.queue = new WorkQueue<string>({
      ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
  }

  /** Reconciles the object behind key with what it should be; throwing re-queues the key with backoff. */
  protected abstract sync(key: string): Promise<SyncResult>;

  /** Names an informer whose cache must be filled before the first sync. */
  protected waitsFor<I extends KubeObject>(informer: Informer<I>): Informer<I> {
    this.caches.push(informer as unknown as Informer<KubeObject>);
    return informer;
  }

  protected enqueue(obj: KubeObject): void {
    this.enqueueKey(metaNamespaceKey(obj));
  }

  /** Handlers that enqueue the object itself on every add, update and delete: the wiring of a controller's own resource. */
  protected enqueueHandlers<I extends KubeObject>(): EventHandlers<I> {
    return { onAdd: (obj) => this.enqueue(obj), onUpdate: (_old, obj) => this.enqueue(obj), onDelete: (obj) => this.enqueue(obj) };
  }

  protected enqueueKey(key: string): void {
    this.metrics?.adds.inc({ name: this.name });
    this.queue.add(key);
  }

  protected enqueueAfter(obj: KubeObject, ms: number): void {
    this.metrics?.adds.inc({ name: this.name });
    this.queue.addAfter(metaNamespaceKey(obj), ms);
  }

  async start(signal: AbortSignal): Promise<void> {
    const untrack = this.metrics?.trackQueue(this.name, this.queue);
    try {
      this.log.info('starting controller');
      const synced = await Promise.all(this.caches.map((i) => i.waitForSync(signal)));
      if (!synced.every(Boolean)) {
        this.queue.shutDown();
        return;
      }
      await runWorkers(this.queue, this.workers, (key) => this.process(key), {
        signal,
        onError: (err, key) => {
          this.metrics?.retries.inc({ name: this.name });
          this.log.warn({ key, err: errorMessage(err) }, 'sync failed; retrying with backoff');
        },
      });
    } finally {
      untrack?.();
      this.log.info('stopped controller');
    }
  }

  private async process(key: string): Promise<void> {
    const end = this.metrics?.workDuration.startTimer({ name: this.name });
    try {
      const result = await this.sync(key);
      if (result && result.requeueAfterMs > 0) this.queue.addAfter(key, result.requeueAfterMs);
    } finally {
      end?.();
    }
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
