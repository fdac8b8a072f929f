// The pod status the kubelet reports, computed from the spec, what the runtime
// holds and what the last status said, as Kubernetes' generateAPIPodStatus
// (kubelet_pods.go) and the condition generators of pkg/kubelet/status:
// phase, container statuses (state, lastState, restartCount, ready,
// started), conditions, IPs. Pure: no runtime or API calls.
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from '../src/api/core/v1.js';
import { podQOSClass } from '../src/api/core/qos.js';
import { rfc3339 } from '../src/client/events.js';
import {
  isRestartableInitContainer,
  podRestartPolicy,
  podSandboxChanged,
  shouldContainerBeRestarted,
  type RuntimePod,
} from './pod-actions.js';
import type { ContainerStatus as RuntimeContainer } from './runtime/interface.js';

/** Why a container could not be started on the last try (Kubernetes' reason cache). */
export interface StartFailure {
  reason: string;
  message: string;
}

export interface PodStatusInputs {
  pod: Pod;
  rp: RuntimePod;
  /** the status this kubelet last generated, or the API's when it has none */
  oldStatus: PodStatus;
  /** the pod will not run again (its containers were stopped for good) */
  podIsTerminal: boolean;
  startFailure(containerName: string): StartFailure | undefined;
  ready(containerName: string): boolean;
  started(containerName: string): boolean;
  hostIPs: string[];
  /** termination messages read from logs (FallbackToLogsOnError), by container id */
  logMessages?: ReadonlyMap<string, string>;
}

/** The conditions the kubelet owns; others (e.g. DisruptionTarget) are carried over untouched. */
export const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

const CONTAINER_CREATING = 'ContainerCreating';
const POD_INITIALIZING = 'PodInitializing';

const time = (d: Date | undefined): string | undefined => (d ? rfc3339(d.getTime()) : undefined);

export function containerId(id: string, runtimeName = 'docker'): string {
  return `${runtimeName}://${id}`;
}

function volumeMountStatuses(c: Container): ContainerStatus['volumeMounts'] {
  if (!c.volumeMounts?.length) return undefined;
  return c.volumeMounts.map((m) => ({
    name: m.name,
    mountPath: m.mountPath,
    ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}),
  }));
}

function convertRuntimeStatus(
  cs: RuntimeContainer,
  spec: Container,
  old: ContainerStatus | undefined,
  runtimeName: string,
  logMessages: ReadonlyMap<string, string> | undefined,
): ContainerStatus {
  const cid = containerId(cs.id, runtimeName);
  const status: ContainerStatus = {
    name: cs.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: cs.attempt,
    image: spec.image ?? cs.image,
    imageID: cs.imageId,
    containerID: cid,
  };
  const mounts = volumeMountStatuses(spec);
  if (mounts) status.volumeMounts = mounts;
  switch (cs.state) {
    case 'running':
      status.state = { running: { startedAt: time(cs.startedAt) ?? null } };
      break;
    case 'created':
      status.state = { waiting: {} };
      break;
    case 'exited': {
      const message = cs.message || logMessages?.get(cs.id);
      status.state = {
        terminated: {
          exitCode: cs.exitCode ?? 0,
          ...(cs.reason ? { reason: cs.reason } : {}),
          ...(message ? { message } : {}),
          startedAt: time(cs.startedAt) ?? null,
          finishedAt: time(cs.finishedAt) ?? null,
          containerID: cid,
        },
      };
      break;
    }
    default:
      if (old?.state?.running) {
        // It ran and is gone without a trace: report it as ended, not as never started.
        status.state = {
          terminated: {
            exitCode: 137,
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was terminated',
          },
        };
        status.restartCount = old.restartCount + 1;
      } else {
        status.state = { waiting: {} };
      }
  }
  return status;
}

/** Kubernetes' convertToAPIContainerStatuses for app or init containers. */
function containerStatuses(
  inputs: PodStatusInputs,
  containers: Container[],
  previous: ContainerStatus[] | undefined,
  isInit: boolean,
  runtimeName: string,
): ContainerStatus[] {
  const { pod, rp } = inputs;
  const hasInit = (pod.spec.initContainers ?? []).length > 0;
  const defaultReason = hasInit ? POD_INITIALIZING : CONTAINER_CREATING;
  const oldByName = new Map((previous ?? []).map((s) => [s.name, s]));
  const statuses = new Map<string, ContainerStatus>();

  for (const c of containers) {
    let status: ContainerStatus = {
      name: c.name,
      state: { waiting: { reason: defaultReason } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
    };
    const old = oldByName.get(c.name);
    if (old) {
      if (old.state?.terminated) status = structuredClone(old);
      else {
        status.restartCount = old.restartCount;
        status.lastState = structuredClone(old.lastState ?? {});
      }
    }
    statuses.set(c.name, status);
  }

  // A container that was running and vanished from the runtime (removed behind our back) ended;
  // leaving it "waiting" would send the pod back to Pending.
  for (const c of containers) {
    if (rp.containers.some((cs) => cs.name === c.name && cs.state === 'created')) continue;
    const old = oldByName.get(c.name);
    if (!old || old.state?.terminated || !old.state?.running) continue;
    const status = statuses.get(c.name)!;
    if (status.state?.waiting?.reason !== defaultReason || status.lastState?.terminated) continue;
    status.lastState = {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was deleted.  The container used to be Running',
      },
    };
    if (!pod.metadata.deletionTimestamp) status.restartCount += 1;
  }

  const seen = new Map<string, number>();
  const specByName = new Map(containers.map((c) => [c.name, c]));
  for (const cs of rp.containers) {
    const spec = specByName.get(cs.name);
    if (!spec) continue;
    const n = seen.get(cs.name) ?? 0;
    if (n >= 2) continue;
    const converted = convertRuntimeStatus(cs, spec, oldByName.get(cs.name), runtimeName, inputs.logMessages);
    if (n === 0) statuses.set(cs.name, converted);
    else statuses.get(cs.name)!.lastState = converted.state ?? {};
    seen.set(cs.name, n + 1);
  }

  // Containers the next sync will (re)start are waiting, with the reason the last start failed.
  for (const c of containers) {
    if (isInit) {
      const latest = rp.containers.find((cs) => cs.name === c.name);
      if (latest?.state === 'exited' && latest.exitCode === 0) continue;
    }
    if (!shouldContainerBeRestarted(c, pod, rp)) continue;
    const failure = inputs.startFailure(c.name);
    if (!failure) continue;
    const status = statuses.get(c.name)!;
    if (status.state?.terminated) status.lastState = status.state;
    status.state = { waiting: { reason: failure.reason, ...(failure.message ? { message: failure.message } : {}) } };
  }

  // ready and started, as the probe manager's UpdatePodStatus sets them
  for (const c of containers) {
    const status = statuses.get(c.name)!;
    const running = status.state?.running !== undefined;
    status.started = running && inputs.started(c.name);
    if (isInit && !isRestartableInitContainer(c)) {
      status.ready = status.state?.terminated?.exitCode === 0;
    } else {
      status.ready = running && inputs.ready(c.name);
    }
  }

  const out = containers.map((c) => statuses.get(c.name)!);
  // app container statuses come sorted by name, init container statuses in spec order
  if (!isInit) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

function findStatus(statuses: ContainerStatus[], name: string): ContainerStatus | undefined {
  return statuses.find((s) => s.name === name);
}

/** Kubernetes' getPhase. */
export function podPhase(pod: Pod, all: ContainerStatus[], podIsTerminal: boolean): string {
  const spec = pod.spec;
  const initContainers = spec.initContainers ?? [];
  let pendingRegularInit = 0;
  let pendingRestartableInit = 0;
  let failedInitialization = 0;
  for (const c of initContainers) {
    if (isRestartableInitContainer(c)) continue;
    const s = findStatus(all, c.name);
    if (!s) {
      pendingRegularInit++;
      continue;
    }
    if (s.state?.running) pendingRegularInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingRegularInit++;
    } else pendingRegularInit++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of initContainers) {
    if (!isRestartableInitContainer(c)) continue;
    const s = findStatus(all, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) {
      if (!s.started) pendingRestartableInit++;
      running++;
    } else if (s.state?.terminated) {
      // a stopped sidecar does not decide the phase
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingRestartableInit++;
        waiting++;
      }
    } else {
      pendingRestartableInit++;
      unknown++;
    }
  }
  for (const c of spec.containers) {
    const s = findStatus(all, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  const policy = podRestartPolicy(pod);
  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  if (pendingRegularInit > 0 || (pendingRestartableInit > 0 && !hasAnyRegularContainerStarted(pod, all)) || waiting > 0) {
    return 'Pending';
  }
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function hasAnyRegularContainerStarted(pod: Pod, all: ContainerStatus[]): boolean {
  const names = new Set(pod.spec.containers.map((c) => c.name));
  return all.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
}

const goList = (names: string[]): string => `[${names.join(' ')}]`;

function containersReadyCondition(pod: Pod, all: ContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: Container): void => {
    const s = findStatus(all, c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  for (const c of pod.spec.initContainers ?? []) if (isRestartableInitContainer(c)) check(c);
  for (const c of pod.spec.containers) check(c);
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') {
    return { type: 'ContainersReady', status: 'False', reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted' };
  }
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(pod: Pod, conditions: PodCondition[], containersReady: PodCondition): PodCondition {
  if (containersReady.status !== 'True') {
    return {
      type: 'Ready',
      status: containersReady.status,
      ...(containersReady.reason ? { reason: containersReady.reason } : {}),
      ...(containersReady.message ? { message: containersReady.message } : {}),
    };
  }
  const messages: string[] = [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(pod: Pod, all: ContainerStatus[], phase: string): PodCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const s = findStatus(all, c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isRestartableInitContainer(c)) {
      if (!s.started) incomplete.push(c.name);
    } else if (!s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (hasAnyRegularContainerStarted(pod, all)) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** The newest ready sandbox's IP, if any. */
function sandboxIP(rp: RuntimePod): string | undefined {
  const newest = rp.sandboxes[0];
  return newest?.state === 'ready' ? newest.ip : undefined;
}

/**
 * The status to report. Conditions carry no lastTransitionTime here: the
 * status manager keeps the old time when a condition's status did not change.
 */
export function generatePodStatus(inputs: PodStatusInputs, runtimeName = 'docker'): PodStatus {
  const { pod, oldStatus } = inputs;
  const initStatuses = containerStatuses(inputs, pod.spec.initContainers ?? [], oldStatus.initContainerStatuses, true, runtimeName);
  const appStatuses = containerStatuses(inputs, pod.spec.containers, oldStatus.containerStatuses, false, runtimeName);
  const all = [...appStatuses, ...initStatuses];

  let phase = podPhase(pod, all, inputs.podIsTerminal);
  // a terminal phase, once reported, is never taken back
  if (phase !== 'Failed' && phase !== 'Succeeded') {
    if (oldStatus.phase === 'Failed' || oldStatus.phase === 'Succeeded') phase = oldStatus.phase;
    else if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') phase = pod.status.phase;
  }

  const status: PodStatus = { phase };
  if (phase === oldStatus.phase) {
    const reason = oldStatus.reason || pod.status?.reason;
    const message = oldStatus.message || pod.status?.message;
    if (reason) status.reason = reason;
    if (message) status.message = message;
  }

  const conditions: PodCondition[] = (pod.status?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const readyToStart: PodCondition = {
    type: 'PodReadyToStartContainers',
    status: podSandboxChanged(pod, inputs.rp).changed ? 'False' : 'True',
  };
  const initialized = initializedCondition(pod, [...initStatuses, ...appStatuses], phase);
  const containersReady = containersReadyCondition(pod, all, phase);
  const ready = readyCondition(pod, conditions, containersReady);
  for (const c of [readyToStart, initialized, ready, containersReady, { type: 'PodScheduled', status: 'True' }]) {
    conditions.push({ ...c, lastProbeTime: null });
  }
  status.conditions = conditions;

  const hostIP = inputs.hostIPs[0];
  if (hostIP) {
    status.hostIP = hostIP;
    status.hostIPs = inputs.hostIPs.map((ip) => ({ ip }));
  }
  let podIP = pod.spec.hostNetwork ? hostIP : sandboxIP(inputs.rp);
  // a pod whose sandbox has stopped keeps the address it had
  if (!podIP && inputs.rp.sandboxes.every((s) => s.state !== 'ready')) podIP = oldStatus.podIP || pod.status?.podIP || undefined;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  const startTime = oldStatus.startTime ?? pod.status?.startTime;
  if (startTime) status.startTime = startTime;
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  status.qosClass = pod.status?.qosClass ?? podQOSClass(pod.spec);
  return status;
}
