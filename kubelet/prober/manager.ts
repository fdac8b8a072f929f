// The kubelet's probe manager: liveness, readiness and startup workers for
// each running container, and the started/ready verdicts the kubelet reports
// in the pod's container statuses.
import type { Logger } from 'pino';
import type { Container, Pod, Probe } from '../../src/api/core/v1.js';
import type { ContainerRuntime } from '../runtime/interface.js';
import { ProbeWorker, type ProbeType } from './worker.js';

export interface ProbeManagerOptions {
  runtime: Pick<ContainerRuntime, 'execSync'>;
  log?: Logger;
  now?: () => number;
  /**
   * How long one of the API's seconds lasts here (default 1000 ms). Probe
   * fields are whole seconds; tests shrink this to run probes in milliseconds.
   */
  msPerSecond?: number;
}

export interface ProbeEvent {
  /** Kubernetes' event reasons: Unhealthy for failures and errors, ProbeWarning for unfollowed redirects */
  reason: 'Unhealthy' | 'ProbeWarning';
  message: string;
}

interface ContainerProbes {
  podUid: string;
  name: string;
  containerId: string;
  workers: Map<ProbeType, ProbeWorker>;
  startupSucceeded: boolean;
  readinessSucceeded: boolean;
}

type ChangeListener = (podUid: string) => void;
type LivenessListener = (podUid: string, containerName: string, containerId: string, message: string) => void;
type EventListener = (podUid: string, containerName: string, event: ProbeEvent) => void;

const PROBE_FIELDS: [ProbeType, 'startupProbe' | 'livenessProbe' | 'readinessProbe'][] = [
  ['startup', 'startupProbe'],
  ['liveness', 'livenessProbe'],
  ['readiness', 'readinessProbe'],
];

function started(c: ContainerProbes): boolean {
  return !c.workers.has('startup') || c.startupSucceeded;
}

function ready(c: ContainerProbes): boolean {
  return started(c) && (!c.workers.has('readiness') || c.readinessSucceeded);
}

export class ProbeManager {
  private readonly runtime: Pick<ContainerRuntime, 'execSync'>;
  private readonly log?: Logger;
  private readonly now: () => number;
  private readonly msPerSecond: number;
  private readonly startedAt: number;
  private readonly pods = new Map<string, Map<string, ContainerProbes>>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly livenessListeners = new Set<LivenessListener>();
  private readonly eventListeners = new Set<EventListener>();
  private stopped = false;

  constructor(opts: ProbeManagerOptions) {
    this.runtime = opts.runtime;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.msPerSecond = opts.msPerSecond ?? 1000;
    this.startedAt = this.now();
  }

  /**
   * Starts the probes of a container that has just started (or that a
   * restarted kubelet found running). A container of the same name with
   * another id is replaced; the same id again changes nothing. Neither this
   * nor the removals call onChange listeners: the caller knows what it did.
   */
  addContainer(pod: Pod, container: Container, c: { containerId: string; startedAt: Date; podIP: string }): void {
    if (this.stopped) return;
    const podUid = pod.metadata.uid ?? '';
    const existing = this.pods.get(podUid)?.get(container.name);
    if (existing?.containerId === c.containerId) return;
    if (existing) this.removeContainer(podUid, container.name);

    const entry: ContainerProbes = {
      podUid,
      name: container.name,
      containerId: c.containerId,
      workers: new Map(),
      startupSucceeded: false,
      readinessSucceeded: false,
    };
    let containers = this.pods.get(podUid);
    if (!containers) {
      containers = new Map();
      this.pods.set(podUid, containers);
    }
    containers.set(container.name, entry);

    for (const [type, field] of PROBE_FIELDS) {
      const probe: Probe | undefined = container[field];
      if (!probe) continue;
      const worker = new ProbeWorker(type, probe, {
        runtime: this.runtime,
        target: { container, containerId: c.containerId, podIP: c.podIP },
        msPerSecond: this.msPerSecond,
        now: this.now,
        isStarted: () => started(entry),
        setResult: (t, result, message) => this.setResult(entry, t, result, message),
        event: (reason, message) => this.emitEvent(entry, { reason, message }),
      });
      entry.workers.set(type, worker);
    }
    for (const worker of entry.workers.values()) {
      let delay = worker.initialDelayMs(c.startedAt);
      // A kubelet that has just (re)started would otherwise probe every container at once.
      if (this.now() - this.startedAt < worker.periodMs) delay += Math.random() * worker.periodMs;
      worker.start(delay);
    }
  }

  removeContainer(podUid: string, containerName: string): void {
    const containers = this.pods.get(podUid);
    const entry = containers?.get(containerName);
    if (!containers || !entry) return;
    for (const worker of entry.workers.values()) worker.stop();
    containers.delete(containerName);
    if (containers.size === 0) this.pods.delete(podUid);
  }

  removePod(podUid: string): void {
    for (const name of [...(this.pods.get(podUid)?.keys() ?? [])]) this.removeContainer(podUid, name);
  }

  /** Stops every worker; nothing is scheduled afterwards and later additions are ignored. */
  stop(): void {
    this.stopped = true;
    for (const podUid of [...this.pods.keys()]) this.removePod(podUid);
  }

  /** Started: no startup probe, or it has succeeded. False for containers the manager does not know. */
  isStarted(podUid: string, containerName: string): boolean {
    const entry = this.pods.get(podUid)?.get(containerName);
    return entry !== undefined && started(entry);
  }

  /** Ready: started, and no readiness probe or its verdict is success. */
  isReady(podUid: string, containerName: string): boolean {
    const entry = this.pods.get(podUid)?.get(containerName);
    return entry !== undefined && ready(entry);
  }

  /** Called when a probe verdict changes a container's started or ready state. Returns an unsubscribe function. */
  onChange(cb: ChangeListener): () => void {
    this.changeListeners.add(cb);
    return () => this.changeListeners.delete(cb);
  }

  /**
   * Called when a liveness (or startup) probe failed failureThreshold times in
   * a row; the message is Kubernetes' event text, e.g. "Liveness probe
   * failed: HTTP probe failed with statuscode: 500". Probing of that
   * container pauses until a new container id is added.
   */
  onLivenessFailure(cb: LivenessListener): () => void {
    this.livenessListeners.add(cb);
    return () => this.livenessListeners.delete(cb);
  }

  /** Every failed, errored or redirected attempt, for the kubelet to record as a Warning event on the pod. */
  onProbeEvent(cb: EventListener): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  private isCurrent(entry: ContainerProbes): boolean {
    return this.pods.get(entry.podUid)?.get(entry.name) === entry;
  }

  private setResult(entry: ContainerProbes, type: ProbeType, result: 'success' | 'failure', message: string): void {
    if (!this.isCurrent(entry)) return;
    const before = { started: started(entry), ready: ready(entry) };
    if (type === 'startup') entry.startupSucceeded = result === 'success';
    if (type === 'readiness') entry.readinessSucceeded = result === 'success';
    if ((type === 'liveness' || type === 'startup') && result === 'failure') {
      this.log?.info({ podUid: entry.podUid, container: entry.name, probe: type }, message);
      for (const cb of this.livenessListeners) this.call(() => cb(entry.podUid, entry.name, entry.containerId, message));
    }
    const after = { started: started(entry), ready: ready(entry) };
    // Kubernetes runs a pending readiness probe as soon as the container counts as started.
    if (!before.started && after.started) entry.workers.get('readiness')?.trigger();
    if (before.started !== after.started || before.ready !== after.ready) {
      for (const cb of this.changeListeners) this.call(() => cb(entry.podUid));
    }
  }

  private emitEvent(entry: ContainerProbes, event: ProbeEvent): void {
    if (!this.isCurrent(entry)) return;
    this.log?.debug({ podUid: entry.podUid, container: entry.name, reason: event.reason }, event.message);
    for (const cb of this.eventListeners) this.call(() => cb(entry.podUid, entry.name, event));
  }

  /** A listener's exception must not stop the probes of every other container. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log?.error({ err: e }, 'probe listener failed');
    }
  }
}
