// What one sync of a pod does (Kubernetes' SyncPod, SyncTerminatingPod and
// pod cleanup): read the pod's sandboxes and containers from the runtime,
// compute the actions, carry them out (sandbox, init containers, sidecars,
// app containers, kills, back-off), and hand the resulting status to the
// status manager. Termination runs preStop hooks and stops containers within
// the pod's grace period; a pod gone from the API has everything removed.
import type { Logger } from 'pino';
import type { Container, Pod, PodStatus } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import type { EventRecorder, EventType } from '../src/client/events.js';
import { Backoff, goDuration } from './backoff.js';
import { ContainerConfigError, resolveEnv, type ObjectSource } from './env.js';
import { missingClusterDns, MISSING_CLUSTER_DNS_MESSAGE, MISSING_CLUSTER_DNS_REASON } from './dns.js';
import type { KubeletMetrics } from './metrics.js';
import { computePodActions, isRestartableInitContainer, latestContainer, runtimePod, type PodActions, type ProbeView, type RuntimePod } from './pod-actions.js';
import { containerConfig, containerGracePeriod, nextRestartCount, sandboxConfig, type SandboxSettings } from './pod-containers.js';
import { ImageManager, ImagePullError } from './pod-images.js';
import { runLifecycleHandler } from './pod-lifecycle-hooks.js';
import { generatePodStatus, type StartFailure } from './pod-status.js';
import type { PodRecord } from './pod-workers.js';
import type { ProbeManager } from './prober/index.js';
import type { ContainerRuntime, ContainerStatus as RuntimeContainer, PodSandboxConfig } from './runtime/interface.js';
import type { StatusManager } from './status-manager.js';
import { VolumeSetUpError, type VolumeManager } from './volumes/index.js';

/** Kubernetes' MaxContainerTerminationMessageLogLines and ...LogLength. */
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;
/** minimumGracePeriodInSeconds: a container always gets this long to stop */
const MIN_STOP_SECONDS = 2;

export interface PodSyncerDeps {
  runtime: ContainerRuntime;
  /** "docker" in docker://<id> */
  runtimeName: () => string;
  nodeName: string;
  nodeIP: string;
  sandbox: SandboxSettings;
  objects: ObjectSource;
  volumes?: VolumeManager;
  prober: ProbeManager;
  status: StatusManager;
  images: ImageManager;
  crashBackoff: Backoff;
  events: EventRecorder;
  log: Logger;
  now: () => number;
  allocatable: () => Record<string, string> | undefined;
  /** how often a pod with nothing happening is synced again (and its volumes refreshed) */
  resyncMs: number;
  metrics?: KubeletMetrics;
}

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Kubernetes' format.Pod: name_namespace(uid). */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * The grace period a stopping pod gets: what its deletion asked for, the
 * spec's when the deletion asked for none (a forced deletion still lets
 * containers stop as the kubelet does), at least 1 s.
 */
export function podGracePeriod(pod: Pod): number {
  const requested = pod.metadata.deletionTimestamp ? pod.metadata.deletionGracePeriodSeconds : undefined;
  const grace = requested && requested > 0 ? requested : (pod.spec.terminationGracePeriodSeconds ?? 30);
  return Math.max(1, grace);
}

function sandboxIP(rp: RuntimePod): string | undefined {
  const s = rp.sandboxes[0];
  return s?.state === 'ready' ? s.ip : undefined;
}

interface StartContext {
  rec: PodRecord;
  rp: RuntimePod;
  sandboxId: string;
  sandbox: PodSandboxConfig;
  podIP: string;
  /** lowers the time of the pod's next sync */
  wakeAt: (t: number | undefined) => void;
}

export class PodSyncer {
  /** why each container's last start failed, by pod uid then container name (Kubernetes' reason cache) */
  private readonly reasons = new Map<string, Map<string, StartFailure>>();
  /** failed liveness or startup probes by container id */
  private readonly probeFailures = new Map<string, { kind: 'liveness' | 'startup'; message: string }>();
  /** termination messages read from logs (FallbackToLogsOnError), by container id */
  private readonly logMessages = new Map<string, string>();

  constructor(private readonly d: PodSyncerDeps) {}

  /** A liveness (or startup) probe failed: the next sync kills the container. */
  recordProbeFailure(containerId: string, kind: 'liveness' | 'startup', message: string): void {
    this.probeFailures.set(containerId, { kind, message });
  }

  event(pod: Pod, type: EventType, reason: string, message: string): void {
    this.d.events.event(pod as Pod & KubeObject, type, reason, message);
  }

  async readPod(uid: string): Promise<RuntimePod> {
    const [sandboxes, containers] = await Promise.all([this.d.runtime.listPodSandboxes(), this.d.runtime.listContainers({ podUid: uid, all: true })]);
    return runtimePod(
      sandboxes.filter((s) => s.uid === uid),
      containers.filter((c) => c.podUid === uid),
    );
  }

  /**
   * One sync of a pod that is not being deleted. Returns whether the pod has
   * reached a terminal phase (the caller then terminates it) and when it
   * wants its next sync.
   */
  async syncPod(rec: PodRecord): Promise<{ terminal: boolean; nextAt?: number }> {
    const pod = rec.pod;
    const uid = rec.uid;
    const known = this.d.status.getPodStatus(uid) ?? pod.status;
    if (isTerminalPhase(known?.phase)) return { terminal: true };

    const now = this.d.now();
    let nextAt = now + this.d.resyncMs;
    const wakeAt = (t: number | undefined): void => {
      if (t !== undefined && t < nextAt) nextAt = Math.max(t, now);
    };

    const deadline = activeDeadline(pod, known?.startTime);
    if (deadline !== undefined && now >= deadline) {
      const message = 'Pod was active on the node longer than the specified deadline';
      this.event(pod, 'Normal', 'DeadlineExceeded', message);
      rec.failure = { reason: 'DeadlineExceeded', message };
      return { terminal: true };
    }

    let rp = await this.readPod(uid);
    if (this.d.volumes) {
      if (!rec.volumesReady) {
        try {
          await this.d.volumes.setUp(pod, sandboxIP(rp));
          rec.volumesReady = true;
          rec.lastVolumeRefreshAt = now;
        } catch (err) {
          if (err instanceof VolumeSetUpError) {
            this.event(pod, 'Warning', err.eventReason, err.message);
            await this.publish(rec, rp, false);
          }
          throw err;
        }
      } else if (now - rec.lastVolumeRefreshAt >= this.d.resyncMs) {
        rec.lastVolumeRefreshAt = now;
        await this.d.volumes.refresh(pod);
      }
    }

    this.ensureProbes(pod, rp);
    const actions = computePodActions(pod, rp, this.probeView(uid));
    const acted = await this.execute(rec, rp, actions, wakeAt);
    if (acted) rp = await this.readPod(uid);
    const status = await this.generate(pod, rp, false);
    if (isTerminalPhase(status.phase)) return { terminal: true };
    this.d.status.setPodStatus(pod, status);
    wakeAt(activeDeadline(pod, this.d.status.getPodStatus(uid)?.startTime));
    if (!rec.startObserved && status.phase === 'Running') {
      rec.startObserved = true;
      this.d.metrics?.podStartDuration.observe((this.d.now() - rec.firstSeenAt) / 1000);
    }
    return { terminal: false, nextAt };
  }

  /** Writes the status as the runtime shows it, without acting (e.g. while volumes cannot be set up). */
  private async publish(rec: PodRecord, rp: RuntimePod, terminal: boolean): Promise<PodStatus> {
    const status = await this.generate(rec.pod, rp, terminal);
    if (terminal && rec.failure) {
      status.phase = 'Failed';
      status.reason = rec.failure.reason;
      status.message = rec.failure.message;
    }
    this.d.status.setPodStatus(rec.pod, status);
    return status;
  }

  private probeView(uid: string): ProbeView {
    return {
      failure: (id) => this.probeFailures.get(id),
      started: (name) => this.d.prober.isStarted(uid, name),
    };
  }

  /** Running containers get probe workers, including ones a previous kubelet started. */
  private ensureProbes(pod: Pod, rp: RuntimePod): void {
    const podIP = (pod.spec.hostNetwork ? this.d.nodeIP : sandboxIP(rp)) ?? '';
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const latest = latestContainer(rp, c.name);
      if (latest?.state !== 'running' || this.probeFailures.has(latest.id)) continue;
      this.d.prober.addContainer(pod, c, { containerId: latest.id, startedAt: latest.startedAt ?? latest.createdAt, podIP });
    }
  }

  private async generate(pod: Pod, rp: RuntimePod, terminal: boolean): Promise<PodStatus> {
    const uid = pod.metadata.uid ?? '';
    await this.fillLogMessages(pod, rp);
    return generatePodStatus(
      {
        pod,
        rp,
        oldStatus: this.d.status.getPodStatus(uid) ?? pod.status ?? {},
        podIsTerminal: terminal,
        startFailure: (name) => this.reasons.get(uid)?.get(name),
        ready: (name) => this.d.prober.isReady(uid, name),
        started: (name) => this.d.prober.isStarted(uid, name),
        hostIPs: [this.d.nodeIP],
        logMessages: this.logMessages,
      },
      this.d.runtimeName(),
    );
  }

  /** terminationMessagePolicy FallbackToLogsOnError: a failed container without a message reports its last log lines. */
  private async fillLogMessages(pod: Pod, rp: RuntimePod): Promise<void> {
    const specs = new Map([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => [c.name, c]));
    for (const c of rp.containers) {
      if (c.state !== 'exited' || !c.exitCode || c.message || this.logMessages.has(c.id)) continue;
      if (specs.get(c.name)?.terminationMessagePolicy !== 'FallbackToLogsOnError') continue;
      try {
        const stream = await this.d.runtime.logs(c.id, { tailLines: FALLBACK_LOG_LINES });
        let text = '';
        for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        this.logMessages.set(c.id, text.length > FALLBACK_LOG_BYTES ? text.slice(text.length - FALLBACK_LOG_BYTES) : text);
      } catch {
        this.logMessages.set(c.id, '');
      }
    }
  }

  private setReason(uid: string, name: string, failure: StartFailure | undefined): void {
    let m = this.reasons.get(uid);
    if (!failure) {
      m?.delete(name);
      if (m?.size === 0) this.reasons.delete(uid);
      return;
    }
    if (!m) this.reasons.set(uid, (m = new Map()));
    m.set(name, failure);
  }

  /** Carries out the actions; returns whether anything was done to the runtime. */
  private async execute(rec: PodRecord, rp: RuntimePod, actions: PodActions, wakeAt: (t: number | undefined) => void): Promise<boolean> {
    const pod = rec.pod;
    let acted = false;
    if (actions.killPod) {
      const running = rp.containers.some((c) => c.state === 'running') || rp.sandboxes.some((s) => s.state === 'ready');
      if (actions.createSandbox && actions.sandboxId) this.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      if (running) {
        await this.stopAll(pod, rp, this.d.now() + (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000);
        acted = true;
      }
      if (!actions.createSandbox) return acted;
    } else {
      for (const k of actions.containersToKill) {
        const c = rp.containers.find((x) => x.id === k.id);
        if (!c) continue;
        const spec = specOf(pod, k.name);
        await this.killContainer(pod, spec, c, this.d.now() + containerGracePeriod(pod, spec, k.reason) * 1000, k.message);
        acted = true;
      }
    }
    if (actions.initContainersToStart.length === 0 && actions.containersToStart.length === 0 && !actions.createSandbox) return acted;

    let sandboxId = actions.sandboxId ?? '';
    let podIP = pod.spec.hostNetwork ? this.d.nodeIP : (sandboxIP(rp) ?? '');
    const sandbox = sandboxConfig(pod, actions.attempt, this.d.sandbox);
    if (actions.createSandbox) {
      if (missingClusterDns(pod, { clusterDNS: this.d.sandbox.clusterDNS })) {
        this.event(pod, 'Warning', MISSING_CLUSTER_DNS_REASON, `pod: "${formatPod(pod)}". ${MISSING_CLUSTER_DNS_MESSAGE}`);
      }
      try {
        sandboxId = await this.d.runtime.runPodSandbox(sandbox);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${detail}`);
        throw err;
      }
      acted = true;
      const status = await this.d.runtime.podSandboxStatus(sandboxId);
      podIP = pod.spec.hostNetwork ? this.d.nodeIP : (status?.ip ?? '');
    }

    const ctx: StartContext = { rec, rp, sandboxId, sandbox, podIP, wakeAt };
    const initContainers = pod.spec.initContainers ?? [];
    for (const idx of actions.initContainersToStart) {
      const container = initContainers[idx];
      if (!container) continue;
      const started = await this.startContainer(ctx, container, true);
      acted = true;
      if (!started && !isRestartableInitContainer(container)) return acted;
    }
    for (const idx of actions.containersToStart) {
      const container = pod.spec.containers[idx];
      if (!container) continue;
      await this.startContainer(ctx, container, false);
      acted = true;
    }
    return acted;
  }

  /** Kubernetes' startContainer with doBackOff in front. Returns whether the container started. */
  private async startContainer(ctx: StartContext, container: Container, isInit: boolean): Promise<boolean> {
    const { rec, rp } = ctx;
    const pod = rec.pod;
    const uid = rec.uid;
    const name = container.name;

    const previous = rp.containers.find((c) => c.name === name && c.state === 'exited');
    if (previous) {
      const key = `${uid}_${name}`;
      const exitedAt = (previous.finishedAt ?? previous.createdAt).getTime();
      if (this.d.crashBackoff.isInBackOffSince(key, exitedAt)) {
        const delay = goDuration(this.d.crashBackoff.get(key));
        this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${formatPod(pod)}`);
        this.setReason(uid, name, { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${name} pod=${formatPod(pod)}` });
        ctx.wakeAt(this.d.crashBackoff.backOffEndsAt(key, exitedAt));
        return false;
      }
      this.d.crashBackoff.next(key, exitedAt);
    }

    const emit = (type: EventType, reason: string, message: string): void => this.event(pod, type, reason, message);
    try {
      await this.d.images.ensure(pod, container, emit);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.event(pod, 'Warning', 'Failed', `Error: ${err.reason}`);
      this.setReason(uid, name, { reason: err.reason, message: err.message });
      const backOffEnd = this.d.images.backOffEndsAt(pod, container.image ?? '');
      if (err.reason === 'ErrImagePull' && backOffEnd !== undefined) {
        // look again within the back-off, so the container shows ImagePullBackOff while it lasts (as Kubernetes' next sync would)
        ctx.wakeAt(this.d.now() + Math.min(1_000, (backOffEnd - this.d.now()) / 2));
      } else {
        ctx.wakeAt(backOffEnd ?? this.d.now() + 10_000);
      }
      return false;
    }

    const attempt = nextRestartCount(rp, name, this.d.status.getPodStatus(uid) ?? pod.status, isInit);
    let config;
    try {
      const env = await resolveEnv(pod, container, {
        podIP: ctx.podIP,
        hostIP: this.d.nodeIP,
        nodeName: this.d.nodeName,
        source: this.d.objects,
        ...(this.d.allocatable() ? { allocatable: this.d.allocatable() } : {}),
      });
      const mounts = this.d.volumes ? this.d.volumes.mountsFor(pod, container, env) : [];
      config = containerConfig(pod, container, env, mounts, attempt);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerConfigError';
      this.event(pod, 'Warning', 'Failed', `Error: ${detail}`);
      this.setReason(uid, name, { reason, message: detail });
      ctx.wakeAt(this.d.now() + 10_000);
      return false;
    }

    let id: string;
    try {
      id = await this.d.runtime.createContainer(ctx.sandboxId, config, ctx.sandbox);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.event(pod, 'Warning', 'Failed', `Error: ${detail}`);
      this.setReason(uid, name, { reason: 'CreateContainerError', message: detail });
      ctx.wakeAt(this.d.now() + 10_000);
      return false;
    }
    this.event(pod, 'Normal', 'Created', `Created container: ${name}`);
    try {
      await this.d.runtime.startContainer(id);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.event(pod, 'Warning', 'Failed', `Error: ${detail}`);
      this.setReason(uid, name, { reason: 'RunContainerError', message: detail });
      ctx.wakeAt(this.d.now() + 10_000);
      return false;
    }
    this.event(pod, 'Normal', 'Started', `Started container ${name}`);
    this.setReason(uid, name, undefined);
    this.d.prober.addContainer(pod, container, { containerId: id, startedAt: new Date(this.d.now()), podIP: ctx.podIP });

    const postStart = container.lifecycle?.postStart;
    if (postStart) {
      const failure = await runLifecycleHandler(postStart, {
        runtime: this.d.runtime,
        pod,
        container,
        containerId: id,
        podIP: ctx.podIP,
        timeoutMs: (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000,
      });
      if (failure) {
        this.event(pod, 'Warning', 'FailedPostStartHook', failure);
        const status = await this.d.runtime.containerStatus(id);
        if (status) {
          await this.killContainer(pod, container, status, this.d.now() + (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000, `FailedPostStartHook`);
        }
        this.setReason(uid, name, { reason: 'PostStartHookError', message: failure });
        return false;
      }
    }
    return true;
  }

  /** Kubernetes' killContainer: the Killing event, the preStop hook, then SIGTERM and SIGKILL at the deadline. */
  private async killContainer(pod: Pod, spec: Container | undefined, c: RuntimeContainer, deadline: number, message?: string): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.event(pod, 'Normal', 'Killing', message ?? `Stopping container ${c.name}`);
    const grace = Math.max(0, Math.ceil((deadline - this.d.now()) / 1000));
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && grace > 0 && c.state === 'running') {
      const failure = await runLifecycleHandler(preStop, {
        runtime: this.d.runtime,
        pod,
        container: spec,
        containerId: c.id,
        ...(sandboxPodIP(pod, this.d.nodeIP) ?? {}),
        timeoutMs: grace * 1000,
      });
      if (failure) this.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${failure}`);
    }
    const remaining = Math.max(MIN_STOP_SECONDS, Math.ceil((deadline - this.d.now()) / 1000));
    this.d.prober.removeContainer(uid, c.name);
    await this.d.runtime.stopContainer(c.id, remaining);
    this.probeFailures.delete(c.id);
  }

  /** Stops every running container (app containers first, then sidecars) and then the sandboxes. */
  private async stopAll(pod: Pod, rp: RuntimePod, deadline: number): Promise<void> {
    const running = rp.containers.filter((c) => c.state === 'running' || c.state === 'unknown');
    const sidecars = new Set((pod.spec.initContainers ?? []).filter(isRestartableInitContainer).map((c) => c.name));
    const first = running.filter((c) => !sidecars.has(c.name));
    const then = running.filter((c) => sidecars.has(c.name));
    await Promise.all(first.map((c) => this.killContainer(pod, specOf(pod, c.name), c, deadline)));
    await Promise.all(then.map((c) => this.killContainer(pod, specOf(pod, c.name), c, deadline)));
    for (const s of rp.sandboxes) if (s.state === 'ready') await this.d.runtime.stopPodSandbox(s.id);
  }

  /**
   * Stops the pod for good (deleted, or finished): containers within the
   * grace period, then the sandbox; writes the final status; releases its
   * volumes. A pod being deleted is then handed to the status manager to
   * confirm the deletion.
   */
  async terminate(rec: PodRecord): Promise<void> {
    const pod = rec.pod;
    rec.lifecycle = 'terminating';
    this.d.prober.removePod(rec.uid);
    let rp = await this.readPod(rec.uid);
    await this.stopAll(pod, rp, this.d.now() + podGracePeriod(pod) * 1000);
    rp = await this.readPod(rec.uid);
    if (!rec.gone) await this.publish(rec, rp, true);
    rec.lifecycle = 'terminated';
    if (this.d.volumes && rec.volumesReady) {
      await this.d.volumes.tearDown(rec.uid);
      rec.volumesReady = false;
    }
    if (pod.metadata.deletionTimestamp && !rec.gone) this.d.status.markDeletable(pod);
  }

  /** Removes everything the runtime and disk hold for a pod that is gone, and forgets it. */
  async cleanup(uid: string): Promise<void> {
    const rp = await this.readPod(uid);
    await removeRuntimePod(this.d.runtime, rp);
    if (this.d.volumes) await this.d.volumes.tearDown(uid);
    this.forget(uid, rp);
  }

  forget(uid: string, rp?: RuntimePod): void {
    this.d.status.forget(uid);
    this.d.prober.removePod(uid);
    this.d.crashBackoff.resetPrefix(`${uid}_`);
    this.reasons.delete(uid);
    for (const c of rp?.containers ?? []) {
      this.probeFailures.delete(c.id);
      this.logMessages.delete(c.id);
    }
  }

  /** Drops what is kept about containers the runtime no longer has (after garbage collection). */
  pruneContainerState(existing: Set<string>): void {
    for (const id of this.logMessages.keys()) if (!existing.has(id)) this.logMessages.delete(id);
    for (const id of this.probeFailures.keys()) if (!existing.has(id)) this.probeFailures.delete(id);
  }
}

/** When the pod's activeDeadlineSeconds runs out (ms since the epoch), counted from its start time. */
function activeDeadline(pod: Pod, startTime: string | null | undefined): number | undefined {
  const seconds = pod.spec.activeDeadlineSeconds;
  if (seconds === undefined || !startTime) return undefined;
  const start = Date.parse(startTime);
  return Number.isFinite(start) ? start + seconds * 1000 : undefined;
}

function specOf(pod: Pod, name: string): Container | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? pod.spec.initContainers?.find((c) => c.name === name);
}

function sandboxPodIP(pod: Pod, nodeIP: string): { podIP: string } | undefined {
  const ip = pod.spec.hostNetwork ? nodeIP : pod.status?.podIP;
  return ip ? { podIP: ip } : undefined;
}

/** Stops and removes a pod's containers and sandboxes. */
export async function removeRuntimePod(runtime: ContainerRuntime, rp: RuntimePod, stopSeconds = MIN_STOP_SECONDS): Promise<void> {
  await Promise.all(rp.containers.filter((c) => c.state === 'running').map((c) => runtime.stopContainer(c.id, stopSeconds)));
  for (const c of rp.containers) await runtime.removeContainer(c.id);
  for (const s of rp.sandboxes) {
    if (s.state === 'ready') await runtime.stopPodSandbox(s.id);
    await runtime.removePodSandbox(s.id);
  }
}
