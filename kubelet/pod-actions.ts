// What one sync of a pod must do, computed from the pod's spec and what the
// runtime reports, as Kubernetes' kuberuntime computePodActions: a pure
// function, so every restart-policy and init-ordering rule is testable
// without a runtime.
import type { Container, Pod } from '../src/api/core/v1.js';
import type { ContainerStatus as RuntimeContainer, PodSandboxStatus } from './runtime/interface.js';

/** What the runtime holds for one pod: sandboxes and containers, each newest first. */
export interface RuntimePod {
  sandboxes: PodSandboxStatus[];
  containers: RuntimeContainer[];
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export function podRestartPolicy(pod: Pod): RestartPolicy {
  const p = pod.spec.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** An init container with restartPolicy Always: a sidecar, kept running beside the app containers. */
export function isRestartableInitContainer(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export function shouldRestartOnFailure(pod: Pod): boolean {
  return podRestartPolicy(pod) !== 'Never';
}

function newestFirst<T extends { createdAt: Date; attempt: number }>(a: T, b: T): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || b.attempt - a.attempt;
}

/** Sorts a pod's sandboxes and containers newest first, as the functions here expect. */
export function runtimePod(sandboxes: PodSandboxStatus[], containers: RuntimeContainer[]): RuntimePod {
  return { sandboxes: [...sandboxes].sort(newestFirst), containers: [...containers].sort(newestFirst) };
}

/** The most recent container of that name (Kubernetes' FindContainerStatusByName). */
export function latestContainer(rp: RuntimePod, name: string): RuntimeContainer | undefined {
  return rp.containers.find((c) => c.name === name);
}

/** Kubernetes' ShouldContainerBeRestarted: whether a container that is not running should be (re)started. */
export function shouldContainerBeRestarted(container: Container, pod: Pod, rp: RuntimePod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const status = latestContainer(rp, container.name);
  if (!status) return true;
  if (status.state === 'running') return false;
  if (status.state === 'unknown' || status.state === 'created') return true;
  const policy = podRestartPolicy(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && status.exitCode === 0) return false;
  return true;
}

export interface SandboxDecision {
  /** a new sandbox is needed (none, not ready, several ready, or no IP) */
  changed: boolean;
  /** the attempt number for the sandbox to create (or of the current one) */
  attempt: number;
  /** the newest sandbox, if any */
  sandboxId?: string;
}

/** Kubernetes' PodSandboxChanged. */
export function podSandboxChanged(pod: Pod, rp: RuntimePod): SandboxDecision {
  const newest = rp.sandboxes[0];
  if (!newest) return { changed: true, attempt: 0 };
  const ready = rp.sandboxes.filter((s) => s.state === 'ready').length;
  if (ready > 1 || newest.state !== 'ready') return { changed: true, attempt: newest.attempt + 1, sandboxId: newest.id };
  if (!pod.spec.hostNetwork && !newest.ip) return { changed: true, attempt: newest.attempt + 1, sandboxId: newest.id };
  return { changed: false, attempt: newest.attempt, sandboxId: newest.id };
}

export type KillReason = 'LivenessProbe' | 'StartupProbe' | 'Unknown';

export interface ContainerToKill {
  id: string;
  name: string;
  message: string;
  reason: KillReason;
}

export interface PodActions {
  /** stop every container and the sandbox */
  killPod: boolean;
  createSandbox: boolean;
  /** the newest existing sandbox (the one to use, or the one being replaced) */
  sandboxId?: string;
  attempt: number;
  /** indexes into spec.initContainers, in order */
  initContainersToStart: number[];
  /** indexes into spec.containers */
  containersToStart: number[];
  containersToKill: ContainerToKill[];
}

/** What the probes have found about running containers, by container id. */
export interface ProbeView {
  /** a failed liveness or startup probe the container must be restarted for */
  failure(containerId: string): { kind: 'liveness' | 'startup'; message?: string } | undefined;
  /** whether the startup probe of a running container (by name) has succeeded; true without one */
  started(containerName: string): boolean;
}

const noProbes: ProbeView = { failure: () => undefined, started: () => true };

function containerSucceeded(c: Container, rp: RuntimePod): boolean {
  const s = latestContainer(rp, c.name);
  return s !== undefined && s.state === 'exited' && s.exitCode === 0;
}

/** Whether any app container exists in the created or running state (so initialization happened). */
function hasAnyRegularContainerCreated(pod: Pod, rp: RuntimePod): boolean {
  return pod.spec.containers.some((c) => {
    const s = latestContainer(rp, c.name);
    return s !== undefined && (s.state === 'created' || s.state === 'running');
  });
}

function isInitContainerFailed(s: RuntimeContainer): boolean {
  if (s.state === 'exited' && s.exitCode !== 0) return true;
  return s.state === 'unknown';
}

export function computePodActions(pod: Pod, rp: RuntimePod, probes: ProbeView = noProbes): PodActions {
  const sandbox = podSandboxChanged(pod, rp);
  const actions: PodActions = {
    killPod: sandbox.changed,
    createSandbox: sandbox.changed,
    ...(sandbox.sandboxId !== undefined ? { sandboxId: sandbox.sandboxId } : {}),
    attempt: sandbox.attempt,
    initContainersToStart: [],
    containersToStart: [],
    containersToKill: [],
  };
  const initContainers = pod.spec.initContainers ?? [];

  if (sandbox.changed) {
    // A pod that must not restart and has already run its containers is done: no new sandbox for it.
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && rp.containers.length !== 0) {
      actions.createSandbox = false;
      return actions;
    }
    const toStart: number[] = [];
    pod.spec.containers.forEach((c, i) => {
      if (podRestartPolicy(pod) === 'OnFailure' && containerSucceeded(c, rp)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && hasAnyRegularContainerCreated(pod, rp)) {
      actions.createSandbox = false;
      return actions;
    }
    // A new sandbox starts the pod over from its first init container.
    if (initContainers.length > 0) {
      actions.initContainersToStart = [0];
      return actions;
    }
    actions.containersToStart = toStart;
    return actions;
  }

  const initialized = computeInitContainerActions(pod, rp, actions, probes);
  if (actions.killPod || !initialized) return actions;

  let keepCount = 0;
  pod.spec.containers.forEach((container, idx) => {
    const status = latestContainer(rp, container.name);
    if (!status || status.state !== 'running') {
      if (shouldContainerBeRestarted(container, pod, rp)) {
        actions.containersToStart.push(idx);
        if (status?.state === 'unknown') {
          actions.containersToKill.push({
            id: status.id,
            name: container.name,
            message: `Container is in "unknown" state, try killing it before restart`,
            reason: 'Unknown',
          });
        }
      }
      return;
    }
    const failure = probes.failure(status.id);
    if (!failure) {
      keepCount++;
      return;
    }
    let message = `Container ${container.name} failed ${failure.kind} probe`;
    if (shouldRestartOnFailure(pod)) {
      message += ', will be restarted';
      actions.containersToStart.push(idx);
    }
    actions.containersToKill.push({
      id: status.id,
      name: container.name,
      message,
      reason: failure.kind === 'liveness' ? 'LivenessProbe' : 'StartupProbe',
    });
  });

  if (keepCount === 0 && actions.containersToStart.length === 0) {
    actions.killPod = true;
    // sidecars must not keep a finished pod alive
    actions.initContainersToStart = [];
  }
  return actions;
}

/**
 * Kubernetes' computeInitContainerActions (with sidecar containers): walks the
 * init containers from the last to find how far initialization got, which
 * one to run next, and which sidecars to restart. Returns whether the pod
 * is initialized.
 */
function computeInitContainerActions(pod: Pod, rp: RuntimePod, actions: PodActions, probes: ProbeView): boolean {
  const initContainers = pod.spec.initContainers ?? [];
  if (initContainers.length === 0) return true;

  // A created or running app container means initialization finished at some point, even if
  // the init containers that did it have since been removed.
  let podHasInitialized = pod.spec.containers.some((c) => {
    const s = latestContainer(rp, c.name);
    return s !== undefined && (s.state === 'created' || s.state === 'running');
  });
  let isPreviouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);
  const toStart: number[] = [];

  for (let i = initContainers.length - 1; i >= 0; i--) {
    const container = initContainers[i]!;
    const restartable = isRestartableInitContainer(container);
    const status = latestContainer(rp, container.name);
    if (!status) {
      if (isPreviouslyInitialized && restartable) toStart.push(i);
      continue;
    }
    if (isPreviouslyInitialized && !restartable) continue;

    switch (status.state) {
      case 'created':
        // created but never started: the start failed, try again
        toStart.push(i);
        break;
      case 'running': {
        if (!restartable) break;
        const failure = probes.failure(status.id);
        if (failure?.kind === 'startup') {
          actions.containersToKill.push({
            id: status.id,
            name: container.name,
            message: `Init container ${container.name} failed startup probe`,
            reason: 'StartupProbe',
          });
          toStart.push(i);
          break;
        }
        if (container.startupProbe && !probes.started(container.name)) break;
        if (i === initContainers.length - 1) podHasInitialized = true;
        else if (!isPreviouslyInitialized) toStart.push(i + 1);
        if (failure?.kind === 'liveness') {
          actions.containersToKill.push({
            id: status.id,
            name: container.name,
            message: `Init container ${container.name} failed liveness probe`,
            reason: 'LivenessProbe',
          });
          toStart.push(i);
        }
        break;
      }
      case 'exited':
        if (restartable) {
          toStart.push(i);
          break;
        }
        if (isInitContainerFailed(status)) {
          if (!restartOnFailure) {
            actions.killPod = true;
            actions.initContainersToStart = [];
            return false;
          }
          toStart.push(i);
          break;
        }
        if (i === initContainers.length - 1) podHasInitialized = true;
        else toStart.push(i + 1);
        break;
      default:
        if (!restartable && !restartOnFailure) {
          actions.killPod = true;
          actions.initContainersToStart = [];
          return false;
        }
        actions.containersToKill.push({
          id: status.id,
          name: container.name,
          message: `Init container is in "${status.state}" state, try killing it before restart`,
          reason: 'Unknown',
        });
        toStart.push(i);
    }
    if (!isPreviouslyInitialized) isPreviouslyInitialized = true;
  }

  if (!isPreviouslyInitialized) toStart.push(0);
  // collected last-to-first; started in spec order
  actions.initContainersToStart = [...new Set(toStart.reverse())];
  return podHasInitialized;
}
