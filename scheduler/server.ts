// The scheduler process around the scheduling loop: it schedules only while
// holding the Lease kube-system/skiff-scheduler when leader election is on,
// each leadership term with fresh informers, cache and queue (nothing a
// previous term assumed or queued survives into the next); /healthz and
// /metrics are served whether leading or not.
import { serveHealth, type HealthServer } from '../src/component/health-server.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { Counter } from 'prom-client';
import { EventSink, routeEvents, SharedInformerFactory, type RestClient } from '../src/client/index.js';
import { runLeaderTerms } from '../src/component/leader-terms.js';
import { schedulerConfigFrom, type SchedulerConfig } from './config.js';
import { SchedulerMetrics } from './metrics.js';
import { Scheduler } from './scheduler.js';

/** Kubernetes' kube-scheduler secure port. */
export const defaultPort = 10259;

/** How long queued events get to be written when a term ends. */
const eventFlushGraceMs = 2_000;

export interface SchedulerServerOptions {
  client: RestClient;
  /**
   * Where events are written, with a rate limit of its own (kube-scheduler's
   * eventClient); the server routes the events recorded on client to it and
   * must own client for that. Without it, events share client's budget.
   */
  eventClient?: RestClient;
  config?: SchedulerConfig;
  /** overrides config.leaderElection.leaderElect */
  leaderElect?: boolean;
  /** /healthz and /metrics; 0 serves nothing */
  port?: number;
  bindAddress?: string;
  log?: Logger;
  identity?: string;
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class SchedulerServer {
  readonly metrics = new SchedulerMetrics();
  readonly identity: string;
  readonly config: SchedulerConfig;
  private readonly log: Logger;
  private readonly ctl = new AbortController();
  private running?: Promise<void>;
  private health?: HealthServer;
  private current?: Scheduler;
  private readonly droppedEvents: Counter<'reason'>;

  constructor(private readonly opts: SchedulerServerOptions) {
    this.log = opts.log ?? pino({ level: 'silent' });
    this.droppedEvents = new Counter({
      name: 'event_recorder_dropped_events_total',
      help: 'Events not written: the event queue was full (queue_full), or the object had too many lately (spam_filtered).',
      labelNames: ['reason'] as const,
      registers: [this.metrics.registry],
    });
    this.config = opts.config ?? schedulerConfigFrom(undefined);
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.metrics.leaderStatus.set({ name: this.config.leaderElection.resourceName }, 0);
  }

  /** The scheduler of the current leadership term, if leading. */
  get scheduler(): Scheduler | undefined {
    return this.current;
  }

  isLeader(): boolean {
    return this.current !== undefined;
  }

  /** Serves health and metrics (resolving to the address, undefined when port is 0), then runs in the background until stop(). */
  async start(): Promise<string | undefined> {
    if (this.running) throw new Error('the scheduler is already started');
    let address: string | undefined;
    const port = this.opts.port ?? defaultPort;
    if (port !== 0) {
      this.health = await serveHealth(this.metrics.registry, port, this.opts.bindAddress ?? '127.0.0.1');
      address = this.health.address;
    }
    this.running = this.run(this.ctl.signal).catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'scheduler stopped unexpectedly');
    });
    return address;
  }

  async stop(): Promise<void> {
    this.ctl.abort();
    await this.running;
    if (this.health) {
      const health = this.health;
      this.health = undefined;
      await health.close();
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const le = this.config.leaderElection;
    if (!(this.opts.leaderElect ?? le.leaderElect)) {
      await this.lead(signal);
      return;
    }
    await runLeaderTerms(
      {
        client: this.opts.client,
        namespace: le.resourceNamespace,
        name: le.resourceName,
        identity: this.identity,
        leaseDurationSeconds: le.leaseDurationSeconds,
        renewDeadlineSeconds: le.renewDeadlineSeconds,
        retryPeriodSeconds: le.retryPeriodSeconds,
        log: this.log,
        lead: (leading) => this.lead(leading),
      },
      signal,
    );
  }

  private async lead(signal: AbortSignal): Promise<void> {
    this.metrics.leaderStatus.set({ name: this.config.leaderElection.resourceName }, 1);
    const informers = new SharedInformerFactory(this.opts.client, {
      onError: (err) => this.log.warn({ err: errorMessage(err) }, 'informer'),
    });
    const events = this.opts.eventClient
      ? new EventSink(this.opts.eventClient, { log: this.log, onDropped: (reason) => this.droppedEvents.inc({ reason }) })
      : undefined;
    const unroute = events ? routeEvents(this.opts.client, events) : undefined;
    try {
      const scheduler = new Scheduler({
        client: this.opts.client,
        informers,
        config: this.config,
        log: this.log,
        metrics: this.metrics,
        identity: this.identity,
      });
      this.current = scheduler;
      await scheduler.run(signal);
    } finally {
      informers.shutdown();
      unroute?.();
      await events?.shutdown(eventFlushGraceMs);
      this.current = undefined;
      this.metrics.leaderStatus.set({ name: this.config.leaderElection.resourceName }, 0);
    }
  }
}
