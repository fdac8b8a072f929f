// The kubelet: registers its Node, keeps it alive (Lease heartbeat, node
// status), and runs the pods bound to it through a container runtime. One
// worker per pod syncs it level-triggered from the pod's spec and what the
// runtime holds; a single tick per kubelet relists the runtime, starts due
// syncs, renews the lease, reports node status, cleans up orphans and
// collects garbage, so an idle kubelet costs one timer.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Pod, Taint } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { EventRecorder } from '../src/client/events.js';
import type { RestClient } from '../src/client/index.js';
import { Backoff, DEFAULT_CONTAINER_BACKOFF } from './backoff.js';
import { collectGarbage } from './container-gc.js';
import type { ObjectSource } from './env.js';
import { InstrumentedRuntime } from './instrumented-runtime.js';
import type { KubeletMetrics } from './metrics.js';
import { filesystemCapacity, hostFacts, kubeletVersion } from './node-info.js';
import { DEFAULT_LEASE_DURATION_SECONDS, NodeLease } from './node-lease.js';
import { registerNode } from './node-registration.js';
import { deepEqual, nodeAllocatable, nodeCapacity, NodeStatusReporter, type NodeObject, type NodeStatusInputs } from './node-status.js';
import { ImageManager } from './pod-images.js';
import { PodLifecycleEvents, type Relist } from './pod-lifecycle-events.js';
import { InformerPodSource, type PodHandlers, type PodSource } from './pod-source.js';
import { isTerminalPhase, PodSyncer, removeRuntimePod } from './pod-sync.js';
import { PodWorkers, type PodRecord } from './pod-workers.js';
import { ProbeManager } from './prober/index.js';
import type { ContainerRuntime } from './runtime/interface.js';
import { StatusManager } from './status-manager.js';
import { apiObjectSource } from './object-source.js';
import { VolumeManager } from './volumes/index.js';

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** quiet time after which the back-off starts over; default twice maxMs */
  resetAfterMs?: number;
}

/** Every period the kubelet keeps; the defaults are Kubernetes'. Tests shorten them. */
export interface KubeletTiming {
  /** Lease renewal (nodeLeaseRenewInterval): 10 s */
  leaseRenewMs: number;
  leaseDurationSeconds: number;
  /** how often node status is computed (nodeStatusUpdateFrequency): 10 s */
  nodeStatusUpdateMs: number;
  /** node status is written at least this often even when unchanged (nodeStatusReportFrequency): 1 min */
  nodeStatusReportMs: number;
  /** runtime relist (PLEG): 1 s */
  relistMs: number;
  /** a pod with nothing happening is synced again after this: 1 min */
  resyncMs: number;
  /** orphaned pods and volumes are cleaned up this often: 2 s */
  housekeepingMs: number;
  /** container garbage collection: 1 min */
  gcMs: number;
  /** CrashLoopBackOff: 10 s doubling to 5 min */
  crashBackoff: BackoffSettings;
  /** ImagePullBackOff: 10 s doubling to 5 min */
  imageBackoff: BackoffSettings;
  /** retry of a failed sync: 1 s doubling to 10 s */
  syncErrorBackoff: { initialMs: number; maxMs: number };
  /** probe seconds last this many ms (tests shrink it) */
  probeMsPerSecond: number;
}

export const DEFAULT_TIMING: KubeletTiming = {
  leaseRenewMs: 10_000,
  leaseDurationSeconds: DEFAULT_LEASE_DURATION_SECONDS,
  nodeStatusUpdateMs: 10_000,
  nodeStatusReportMs: 60_000,
  relistMs: 1_000,
  resyncMs: 60_000,
  housekeepingMs: 2_000,
  gcMs: 60_000,
  crashBackoff: { ...DEFAULT_CONTAINER_BACKOFF },
  imageBackoff: { ...DEFAULT_CONTAINER_BACKOFF },
  syncErrorBackoff: { initialMs: 1_000, maxMs: 10_000 },
  probeMsPerSecond: 1_000,
};

/** Calls every subscriber periodically; many simulated kubelets share one. */
export interface Ticker {
  subscribe(fn: () => void): () => void;
}

/** A ticker on one timer, running while it has subscribers. */
export class IntervalTicker implements Ticker {
  private readonly subscribers = new Set<() => void>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs: number) {}

  subscribe(fn: () => void): () => void {
    this.subscribers.add(fn);
    this.timer ??= setInterval(() => {
      for (const s of [...this.subscribers]) s();
    }, this.periodMs);
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }
}

export interface KubeletOptions {
  client: RestClient;
  runtime: ContainerRuntime;
  nodeName: string;
  /** InternalIP address and pods' hostIP; default 127.0.0.1 */
  nodeIP?: string;
  /** Hostname address and kubernetes.io/hostname label; default the node name */
  hostname?: string;
  /** daemonEndpoints.kubeletEndpoint.Port: where the kubelet server listens; default 10250 */
  kubeletPort?: number;
  /** the kubelet's directory; pod volumes live under <rootDir>/pods. Without one, pods get no volumes. */
  rootDir?: string;
  /** where the pods bound here come from; default an informer of this node's pods (shared sources are not started or stopped here) */
  podSource?: PodSource;
  /** ConfigMaps and Secrets for env and volumes; default read from the apiserver */
  objectSource?: ObjectSource;
  clusterDNS?: string[];
  /** default cluster.local */
  clusterDomain?: string;
  /** capacity overrides; default this machine's CPUs, memory, 110 pods, the root dir's filesystem */
  cpu?: string;
  memory?: string;
  maxPods?: number;
  /** --node-labels (applied when the node is created) */
  nodeLabels?: Record<string, string>;
  /** --register-with-taints */
  registerWithTaints?: Taint[];
  log?: Logger;
  metrics?: KubeletMetrics;
  /** default: a timer of this kubelet's own, every min(relist period, 1 s) */
  ticker?: Ticker;
  timing?: Partial<KubeletTiming>;
  /** events remembered for de-duplication (client-go's 4096) */
  eventCacheSize?: number;
}

const silent = pino({ level: 'silent' });

export class Kubelet {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly timing: KubeletTiming;
  private readonly client: RestClient;
  readonly runtime: ContainerRuntime;
  private readonly log: Logger;
  private readonly podSource: PodSource;
  private readonly ownsPodSource: boolean;
  private readonly ticker: Ticker;
  private readonly ownsTicker: boolean;
  private readonly events: EventRecorder;
  private readonly status: StatusManager;
  private readonly prober: ProbeManager;
  private readonly volumes?: VolumeManager;
  private readonly syncer: PodSyncer;
  private readonly workers: PodWorkers;
  private readonly pleg: PodLifecycleEvents;
  private readonly lease: NodeLease;
  private readonly reporter: NodeStatusReporter;
  private readonly crashBackoff: Backoff;
  private readonly imageBackoff: Backoff;
  private readonly capacity: Record<string, string>;
  private readonly allocatable: Record<string, string>;
  private runtimeName = 'docker';
  private runtimeVersion = '';
  private node?: NodeObject;
  private lastRelist?: Relist;
  private unsubscribe: (() => void)[] = [];
  private started = false;
  private stopped = false;
  private readonly stopCtl = new AbortController();
  private ticking = false;
  private nextAt = { relist: 0, lease: 0, status: 0, housekeeping: 0, gc: 0 };
  private leaseInFlight = false;
  private statusInFlight = false;
  private lastReady?: boolean;

  constructor(private readonly opts: KubeletOptions) {
    this.nodeName = opts.nodeName;
    this.nodeIP = opts.nodeIP ?? '127.0.0.1';
    this.client = opts.client;
    this.log = opts.log ?? silent;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.runtime = opts.metrics ? new InstrumentedRuntime(opts.runtime, opts.metrics) : opts.runtime;
    this.ownsPodSource = !opts.podSource;
    this.podSource =
      opts.podSource ??
      new InformerPodSource(opts.client, {
        nodeName: opts.nodeName,
        onError: (err) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'pod watch'),
      });
    this.ownsTicker = !opts.ticker;
    this.ticker = opts.ticker ?? new IntervalTicker(Math.min(this.timing.relistMs, 1_000));
    this.events = new EventRecorder(opts.client, {
      component: 'kubelet',
      host: opts.nodeName,
      instance: opts.nodeName,
      involvedKind: { apiVersion: 'v1', kind: 'Pod' },
      log: this.log,
      ...(opts.eventCacheSize !== undefined ? { cacheSize: opts.eventCacheSize } : {}),
    });

    const facts = hostFacts();
    this.capacity = nodeCapacity({
      cpu: opts.cpu ?? String(facts.cpus),
      memory: opts.memory ?? facts.memoryBytes,
      pods: opts.maxPods ?? 110,
      ephemeralStorageBytes: filesystemCapacity(opts.rootDir ?? '/'),
    });
    this.allocatable = nodeAllocatable(this.capacity);

    const objects = opts.objectSource ?? apiObjectSource(opts.client);
    if (opts.rootDir) {
      this.volumes = new VolumeManager({
        rootDir: join(opts.rootDir, 'pods'),
        source: objects,
        nodeName: opts.nodeName,
        log: this.log,
        allocatable: () => this.allocatable,
      });
    }
    this.prober = new ProbeManager({ runtime: this.runtime, log: this.log, msPerSecond: this.timing.probeMsPerSecond });
    this.status = new StatusManager({ client: opts.client, lookup: (uid) => this.workers.get(uid)?.pod, log: this.log });
    this.crashBackoff = new Backoff(this.timing.crashBackoff);
    this.imageBackoff = new Backoff(this.timing.imageBackoff);
    this.syncer = new PodSyncer({
      runtime: this.runtime,
      runtimeName: () => this.runtimeName,
      nodeName: opts.nodeName,
      nodeIP: this.nodeIP,
      sandbox: { clusterDNS: opts.clusterDNS ?? [], clusterDomain: opts.clusterDomain ?? 'cluster.local' },
      objects,
      ...(this.volumes ? { volumes: this.volumes } : {}),
      prober: this.prober,
      status: this.status,
      images: new ImageManager(this.runtime, this.imageBackoff),
      crashBackoff: this.crashBackoff,
      events: this.events,
      log: this.log,
      now: Date.now,
      allocatable: () => this.allocatable,
      resyncMs: this.timing.resyncMs,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    this.workers = new PodWorkers({
      sync: (rec) => this.syncRecord(rec),
      onError: (rec, err) =>
        this.log.warn({ pod: podKey(rec.pod), err: err instanceof Error ? err.message : String(err) }, 'error syncing pod, will retry'),
      now: Date.now,
      errorBackoff: this.timing.syncErrorBackoff,
    });
    this.pleg = new PodLifecycleEvents(this.runtime);
    this.lease = new NodeLease({ client: opts.client, nodeName: opts.nodeName, leaseDurationSeconds: this.timing.leaseDurationSeconds, log: this.log });
    this.reporter = new NodeStatusReporter({
      client: opts.client,
      nodeName: opts.nodeName,
      inputs: () => this.nodeStatusInputs(),
      reportFrequencyMs: this.timing.nodeStatusReportMs,
      log: this.log,
    });
  }

  /** Pods bound to this node, as the kubelet last heard of them. */
  pods(): Pod[] {
    return this.podSource.list(this.nodeName);
  }

  /** The registered Node (as returned when it was registered). */
  get registeredNode(): NodeObject | undefined {
    return this.node;
  }

  /** Running sandboxes and containers at the last relist. */
  runningCounts(): { pods: number; containers: number } {
    return { pods: this.lastRelist?.runningPods ?? 0, containers: this.lastRelist?.runningContainers ?? 0 };
  }

  /**
   * Registers the node (retrying until the apiserver accepts it or stop() is
   * called), reports its status and lease, then starts running its pods.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const v = await this.runtime.version();
    this.runtimeName = v.runtimeName;
    this.runtimeVersion = v.runtimeVersion;

    const facts = hostFacts();
    let delay = 100;
    for (;;) {
      if (this.stopped) return;
      try {
        this.node = await registerNode(
          this.client,
          {
            nodeName: this.nodeName,
            hostname: this.opts.hostname ?? this.nodeName,
            operatingSystem: facts.operatingSystem,
            architecture: facts.architecture,
            ...(this.opts.nodeLabels ? { extraLabels: this.opts.nodeLabels } : {}),
            ...(this.opts.registerWithTaints ? { taints: this.opts.registerWithTaints } : {}),
          },
          this.log,
        );
        break;
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'unable to register node with the apiserver, will retry');
        await sleep(delay, this.stopCtl.signal);
        delay = Math.min(delay * 2, 7_000);
      }
    }
    this.nodeEvent('Normal', 'Starting', 'Starting kubelet.');
    this.reporter.seed(this.node.status);
    await this.updateNodeStatus(true);
    await this.renewLease();
    if (this.stopped) return;

    this.status.start();
    this.unsubscribe.push(
      this.prober.onChange((uid) => this.workers.schedule(uid, 0)),
      this.prober.onLivenessFailure((uid, name, containerId, message) => {
        const kind = this.prober.isStarted(uid, name) ? 'liveness' : 'startup';
        this.syncer.recordProbeFailure(containerId, kind, message);
        this.workers.schedule(uid, 0);
      }),
      this.prober.onProbeEvent((uid, _name, ev) => {
        const rec = this.workers.get(uid);
        if (rec) this.syncer.event(rec.pod, 'Warning', ev.reason, ev.message);
      }),
    );
    const handlers: PodHandlers = {
      add: (pod) => this.onPod(pod),
      update: (pod) => this.onPod(pod),
      delete: (pod) => this.workers.markGone(pod),
    };
    this.unsubscribe.push(this.podSource.subscribe(this.nodeName, handlers));
    if (this.ownsPodSource) this.podSource.start();
    const now = Date.now();
    // Spread the periodic writes of many kubelets over their periods instead of firing them together.
    this.nextAt = {
      relist: now,
      lease: now + Math.random() * this.timing.leaseRenewMs,
      status: now + this.timing.nodeStatusUpdateMs * (0.5 + Math.random() * 0.5),
      housekeeping: now + this.timing.housekeepingMs,
      gc: now + this.timing.gcMs,
    };
    this.unsubscribe.push(this.ticker.subscribe(() => void this.tick()));
    if (this.opts.metrics) this.unsubscribe.push(this.opts.metrics.track(() => this.runningCounts()));
    this.log.info({ node: this.nodeName, runtime: `${this.runtimeName}://${this.runtimeVersion}` }, 'kubelet started');
  }

  /**
   * Stops the loops and waits for syncs in flight, pending status writes and
   * events. Containers keep running: a kubelet started again adopts them.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopCtl.abort();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    if (this.ownsPodSource) this.podSource.stop();
    await this.workers.stop();
    this.prober.stop();
    await this.status.stop();
    await this.events.flush();
  }

  private onPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const rec = this.workers.get(uid);
    if (rec && !specChanged(rec.pod, pod)) {
      // our own status writes coming back: keep the newest object (resourceVersion) without another sync
      rec.pod = pod;
      return;
    }
    const created = !rec;
    const r = this.workers.update(pod);
    if (created && (pod.status?.phase === 'Running' || isTerminalPhase(pod.status?.phase))) r.startObserved = true;
  }

  private async syncRecord(rec: PodRecord): Promise<void> {
    if (this.stopped) return;
    if (rec.gone) {
      if (rec.lifecycle !== 'terminated') await this.syncer.terminate(rec);
      await this.syncer.cleanup(rec.uid);
      this.workers.remove(rec.uid);
      return;
    }
    if (rec.pod.metadata.deletionTimestamp) {
      if (rec.lifecycle !== 'terminated') await this.syncer.terminate(rec);
      else this.status.markDeletable(rec.pod);
      return;
    }
    if (rec.lifecycle === 'terminated') return;
    const result = await this.syncer.syncPod(rec);
    if (result.terminal) {
      await this.syncer.terminate(rec);
      return;
    }
    if (result.nextAt !== undefined) this.workers.scheduleAt(rec.uid, result.nextAt);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const now = Date.now();
      if (now >= this.nextAt.relist) {
        this.nextAt.relist = now + this.timing.relistMs;
        try {
          this.lastRelist = await this.pleg.relist();
          for (const uid of this.lastRelist.changed) this.workers.schedule(uid, 0);
        } catch (err) {
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'runtime relist failed');
        }
      }
      this.workers.dispatchDue(now);
      if (now >= this.nextAt.lease && !this.leaseInFlight) {
        this.nextAt.lease = now + this.timing.leaseRenewMs;
        void this.renewLease();
      }
      if (now >= this.nextAt.status && !this.statusInFlight) {
        this.nextAt.status = now + this.timing.nodeStatusUpdateMs;
        void this.updateNodeStatus(false);
      }
      if (now >= this.nextAt.housekeeping && this.podSource.hasSynced()) {
        this.nextAt.housekeeping = now + this.timing.housekeepingMs;
        await this.housekeeping();
      }
      if (now >= this.nextAt.gc && this.podSource.hasSynced()) {
        this.nextAt.gc = now + this.timing.gcMs;
        await this.garbageCollect();
      }
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'kubelet housekeeping failed');
    } finally {
      this.ticking = false;
    }
  }

  private async renewLease(): Promise<void> {
    this.leaseInFlight = true;
    try {
      await this.lease.renew();
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'failed to renew the node lease');
    } finally {
      this.leaseInFlight = false;
    }
  }

  private async nodeStatusInputs(): Promise<NodeStatusInputs> {
    let notReadyReason: string | undefined;
    try {
      const v = await this.runtime.version();
      this.runtimeName = v.runtimeName;
      this.runtimeVersion = v.runtimeVersion;
    } catch (err) {
      notReadyReason = `container runtime is down: ${err instanceof Error ? err.message : String(err)}`;
    }
    const facts = hostFacts();
    return {
      nodeIP: this.nodeIP,
      hostname: this.opts.hostname ?? this.nodeName,
      kubeletPort: this.opts.kubeletPort ?? 10250,
      capacity: this.capacity,
      allocatable: this.allocatable,
      nodeInfo: {
        machineID: facts.machineID,
        systemUUID: facts.systemUUID,
        bootID: facts.bootID,
        kernelVersion: facts.kernelVersion,
        osImage: facts.osImage,
        containerRuntimeVersion: `${this.runtimeName}://${this.runtimeVersion}`,
        kubeletVersion: kubeletVersion(),
        kubeProxyVersion: '',
        operatingSystem: facts.operatingSystem,
        architecture: facts.architecture,
      },
      ...(notReadyReason ? { notReadyReason } : {}),
    };
  }

  private async updateNodeStatus(force: boolean): Promise<void> {
    this.statusInFlight = true;
    try {
      const wrote = await this.reporter.update(force);
      const ready = this.reporter.lastStatus?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (wrote && ready !== this.lastReady) {
        if (this.lastReady === undefined) {
          this.nodeEvent('Normal', 'NodeHasSufficientMemory', `Node ${this.nodeName} status is now: NodeHasSufficientMemory`);
          this.nodeEvent('Normal', 'NodeHasNoDiskPressure', `Node ${this.nodeName} status is now: NodeHasNoDiskPressure`);
          this.nodeEvent('Normal', 'NodeHasSufficientPID', `Node ${this.nodeName} status is now: NodeHasSufficientPID`);
        }
        this.nodeEvent('Normal', ready ? 'NodeReady' : 'NodeNotReady', `Node ${this.nodeName} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`);
        this.lastReady = ready;
      }
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'error updating node status, will retry');
      this.nextAt.status = Math.min(this.nextAt.status, Date.now() + 1_000);
    } finally {
      this.statusInFlight = false;
    }
  }

  private nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    // Kubernetes names the node's own events with the node name as its uid
    const ref: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, uid: this.nodeName } };
    this.events.event(ref, type, reason, message);
  }

  /** Pods the runtime has and the API no longer binds here are stopped and removed; so are orphaned volume directories. */
  private async housekeeping(): Promise<void> {
    const present = this.lastRelist?.present ?? new Set<string>();
    for (const uid of present) {
      if (this.workers.get(uid)) continue;
      this.log.info({ uid }, 'removing the containers of a pod that is no longer bound to this node');
      const rp = await this.syncer.readPod(uid);
      await removeRuntimePod(this.runtime, rp);
      this.syncer.forget(uid, rp);
      if (this.volumes) await this.volumes.tearDown(uid);
    }
    if (this.volumes) {
      for (const uid of await this.volumes.listPodDirs()) {
        const rec = this.workers.get(uid);
        if (!rec && !present.has(uid)) await this.volumes.tearDown(uid);
      }
    }
    this.crashBackoff.gc();
    this.imageBackoff.gc();
  }

  private async garbageCollect(): Promise<void> {
    const known = (uid: string): boolean => {
      const rec = this.workers.get(uid);
      return rec !== undefined && !rec.gone;
    };
    const result = await collectGarbage(this.runtime, known, (err) =>
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'container garbage collection'),
    );
    this.syncer.pruneContainerState(result.remaining);
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** Anything but status and bookkeeping changed: the pod needs a sync. */
function specChanged(a: Pod, b: Pod): boolean {
  const meta = (p: Pod) => ({
    labels: p.metadata.labels,
    annotations: p.metadata.annotations,
    deletionTimestamp: p.metadata.deletionTimestamp,
    deletionGracePeriodSeconds: p.metadata.deletionGracePeriodSeconds,
  });
  if (!deepEqual(meta(a), meta(b))) return true;
  if (!deepEqual(a.spec, b.spec)) return true;
  // a terminal phase set by someone else (eviction) ends the pod
  return isTerminalPhase(b.status?.phase) !== isTerminalPhase(a.status?.phase);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
