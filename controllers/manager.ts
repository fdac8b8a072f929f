// The controller-manager: runs the registered controllers against one
// apiserver, only while holding the Lease kube-system/skiff-controller-manager
// when leader election is on, so that of several replicas exactly one acts.
// Each leadership term gets fresh informers and controllers: nothing a
// previous term cached or queued survives into the next. Health and
// Prometheus metrics are served over plain HTTP whether leading or not.
import { serveHealth, type HealthServer } from '../src/component/health-server.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { SharedInformerFactory, type RestClient } from '../src/client/index.js';
import { setMaxListeners } from 'node:events';
import { runLeaderTerms } from '../src/component/leader-terms.js';
import { errorMessage, type Controller, type ControllerDescriptor } from './controller.js';
import { ControllerManagerMetrics } from './metrics.js';

export const defaultLeaseNamespace = 'kube-system';
export const defaultLeaseName = 'skiff-controller-manager';
/** Kubernetes' kube-controller-manager secure port. */
export const defaultPort = 10257;

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
  client: RestClient;
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

  constructor(private readonly opts: ControllerManagerOptions) {
    this.log = opts.log ?? pino({ level: 'silent' });
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
    const controllers: Controller[] = [];
    for (const d of this.opts.controllers) {
      try {
        controllers.push(
          d.init({ client: this.opts.client, informers, log: this.log.child({ controller: d.name }), metrics: this.metrics }),
        );
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
      this.controllers = [];
      this.leading = false;
      this.metrics.leaderStatus.set({ name: this.leaseName }, 0);
    }
  }
}
