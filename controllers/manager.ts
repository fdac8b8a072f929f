// The controller-manager: runs the registered controllers against one
// apiserver, only while holding the Lease kube-system/skiff-controller-manager
// when leader election is on, so that of several replicas exactly one acts.
// Each leadership term gets fresh informers and controllers: nothing a
// previous term cached or queued survives into the next. As in
// kube-controller-manager, the informers are shared but every controller
// talks through a client of its own, with its own rate limit, so that one
// controller's burst (a ReplicaSet creating a thousand pods) cannot starve
// another; events go through one more client, each controller's through a
// queue of its own, so that they take from no controller's budget. Health
// and Prometheus metrics are served over plain HTTP whether leading or not.
import { serveHealth, type HealthServer } from '../src/component/health-server.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { Counter } from 'prom-client';
import { EventSink, RestClient, routeEvents, SharedInformerFactory } from '../src/client/index.js';
import { setMaxListeners } from 'node:events';
import { runLeaderTerms } from '../src/component/leader-terms.js';
import { errorMessage, type Controller, type ControllerDescriptor } from './controller.js';
import { ControllerManagerMetrics } from './metrics.js';

export const defaultLeaseNamespace = 'kube-system';
export const defaultLeaseName = 'skiff-controller-manager';
/** Kubernetes' kube-controller-manager secure port. */
export const defaultPort = 10257;

/**
 * Each controller's client-side limit (--kube-api-qps, --kube-api-burst).
 * kube-controller-manager ships 20 and 30; these are set so that the client
 * is never what bounds a 1,000-replica rollout (1,000 creates, then 1,000
 * creates and 1,000 deletes from the ReplicaSet controller, with its status
 * writes in between): one apiserver on a small machine absorbs a few hundred
 * pod writes a second, so a limit above that and a burst that covers a whole
 * slow-start batch leave the apiserver's own in-flight limits (429 with
 * Retry-After, which the client honours) to do the protecting.
 */
export const defaultKubeApiQps = 500;
export const defaultKubeApiBurst = 1000;

/** Connections per controller client: enough for the apiserver's concurrency, without a TLS handshake per pod of a batch. */
const controllerConnections = 32;

/** How long queued events get to be written when a term ends. */
const eventFlushGraceMs = 2_000;

export interface LeaderElectionOptions {
  /** kube-system */
  namespace?: string;
  /** skiff-controller-manager */
  name?: string;
  /** hostname_uuid by default, as Kubernetes */
  identity?: string;
  /** 15 s, 10 s and 2 s, as Kubernetes */
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
}

export interface ControllerManagerOptions {
  /** the shared informers' and leader election's client; controllers get clients of their own made from its config */
  client: RestClient;
  /** each controller's own client-side limit, and the event client's */
  kubeApiQps?: number;
  kubeApiBurst?: number;
  /**
   * Makes the client a controller, or the event writer ("events"), talks
   * through (kube-controller-manager's ClientBuilder); the manager closes it
   * when the term ends. By default one from client's config with the limits
   * above.
   */
  clientBuilder?: (name: string) => RestClient;
  /** the controllers to run (already selected, see selectControllers) */
  controllers: ControllerDescriptor[];
  /** false runs the controllers at once, without a lease: only safe with a single replica */
  leaderElection?: false | LeaderElectionOptions;
  /** /healthz and /metrics; 0 serves nothing */
  port?: number;
  bindAddress?: string;
  log?: Logger;
}

export class ControllerManager {
  readonly metrics = new ControllerManagerMetrics();
  /** the identity this replica writes into the Lease */
  readonly identity: string;
  private readonly log: Logger;
  private readonly leaseName: string;
  private readonly ctl = new AbortController();
  private running?: Promise<void>;
  private health?: HealthServer;
  private leading = false;
  private controllers: Controller[] = [];
  private readonly droppedEvents: Counter<'reason'>;

  constructor(private readonly opts: ControllerManagerOptions) {
    this.log = opts.log ?? pino({ level: 'silent' });
    this.droppedEvents = new Counter({
      name: 'event_recorder_dropped_events_total',
      help: 'Events not written: the event queue was full (queue_full), or the object had too many lately (spam_filtered).',
      labelNames: ['reason'] as const,
      registers: [this.metrics.registry],
    });
    const le = opts.leaderElection === false ? undefined : (opts.leaderElection ?? {});
    this.identity = le?.identity ?? `${hostname()}_${randomUUID()}`;
    this.leaseName = le?.name ?? defaultLeaseName;
    this.metrics.leaderStatus.set({ name: this.leaseName }, 0);
  }

  /** True while this replica's controllers are running. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Names of the controllers running now (none while not leading). */
  runningControllers(): string[] {
    return this.controllers.map((c) => c.name);
  }

  /**
   * Starts serving health and metrics (resolving to the address, or
   * undefined when port is 0), then campaigns for the lease and runs the
   * controllers while holding it, in the background until stop().
   */
  async start(): Promise<string | undefined> {
    if (this.running) throw new Error('the controller-manager is already started');
    let address: string | undefined;
    const port = this.opts.port ?? defaultPort;
    if (port !== 0) {
      this.health = await serveHealth(this.metrics.registry, port, this.opts.bindAddress ?? '127.0.0.1');
      address = this.health.address;
    }
    this.running = this.run(this.ctl.signal).catch((err: unknown) => {
      this.log.error({ err: errorMessage(err) }, 'controller-manager stopped unexpectedly');
    });
    return address;
  }

  /** Stops the controllers (each finishes the key in hand), releases the lease and stops serving. */
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
    const le = this.opts.leaderElection;
    if (le === false) {
      await this.lead(signal);
      return;
    }
    await runLeaderTerms(
      {
        client: this.opts.client,
        namespace: le?.namespace ?? defaultLeaseNamespace,
        name: this.leaseName,
        identity: this.identity,
        ...(le?.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: le.leaseDurationSeconds } : {}),
        ...(le?.renewDeadlineSeconds !== undefined ? { renewDeadlineSeconds: le.renewDeadlineSeconds } : {}),
        ...(le?.retryPeriodSeconds !== undefined ? { retryPeriodSeconds: le.retryPeriodSeconds } : {}),
        log: this.log,
        lead: (leading) => this.lead(leading),
      },
      signal,
    );
  }

  /** One leadership term: fresh caches and controllers, run until the signal aborts. */
  private async lead(signal: AbortSignal): Promise<void> {
    // every controller and informer of the term listens for the end of it
    setMaxListeners(0, signal);
    this.leading = true;
    this.metrics.leaderStatus.set({ name: this.leaseName }, 1);
    const informers = new SharedInformerFactory(this.opts.client, {
      onError: (err) => this.log.warn({ err: errorMessage(err) }, 'informer'),
    });
    const clients: RestClient[] = [];
    const clientFor = (name: string): RestClient => {
      const client = this.opts.clientBuilder ? this.opts.clientBuilder(name) : this.defaultClient(name);
      clients.push(client);
      return client;
    };
    const eventClient = clientFor('events');
    const sinks: EventSink[] = [];
    const controllers: Controller[] = [];
    for (const d of this.opts.controllers) {
      const log = this.log.child({ controller: d.name });
      try {
        const client = clientFor(d.name);
        const sink = new EventSink(eventClient, { log, onDropped: (reason) => this.droppedEvents.inc({ reason }) });
        sinks.push(sink);
        routeEvents(client, sink);
        controllers.push(d.init({ client, informers, log, metrics: this.metrics }));
      } catch (err) {
        this.log.error({ controller: d.name, err: errorMessage(err) }, 'cannot start controller');
      }
    }
    this.controllers = controllers;
    try {
      informers.start();
      await Promise.all(
        controllers.map((c) =>
          c.start(signal).catch((err: unknown) => this.log.error({ controller: c.name, err: errorMessage(err) }, 'controller failed')),
        ),
      );
    } finally {
      informers.shutdown();
      await Promise.all(sinks.map((s) => s.shutdown(eventFlushGraceMs)));
      await Promise.all(clients.map((c) => c.close()));
      this.controllers = [];
      this.leading = false;
      this.metrics.leaderStatus.set({ name: this.leaseName }, 0);
    }
  }

  private defaultClient(name: string): RestClient {
    return new RestClient(this.opts.client.config, {
      userAgent: `skiff-controller-manager/${name}`,
      qps: this.opts.kubeApiQps ?? defaultKubeApiQps,
      burst: this.opts.kubeApiBurst ?? defaultKubeApiBurst,
      connections: controllerConnections,
    });
  }
}
