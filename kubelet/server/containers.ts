// Finding a pod's containers in the runtime the way the kubelet's server
// does: by the labels every container carries (namespace, pod name, container
// name, attempt), and the messages Kubernetes gives when the one asked for
// cannot serve logs or streams.
import type { Pod } from '../../src/api/core/v1.js';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ContainerRuntime,
  type ContainerStatus,
} from '../runtime/interface.js';

/** A failure the server answers with this HTTP code and this text, as the kubelet does. */
export class KubeletHttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeletHttpError';
  }
}

const attemptOf = (c: ContainerStatus): number => {
  const label = Number.parseInt(c.labels[LABEL_ATTEMPT] ?? '', 10);
  return Number.isInteger(label) ? label : c.attempt;
};

/** Every instance (attempt) of one container of a pod, the newest first. */
export async function containerInstances(runtime: ContainerRuntime, pod: Pod, containerName: string): Promise<ContainerStatus[]> {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const uid = pod.metadata.uid;
  const all = await runtime.listContainers({ all: true, ...(uid ? { podUid: uid } : {}) });
  return all
    .filter((c) => (c.labels[LABEL_POD_NAMESPACE] ?? c.namespace) === ns)
    .filter((c) => (c.labels[LABEL_POD_NAME] ?? c.podName) === name)
    .filter((c) => (c.labels[LABEL_CONTAINER_NAME] ?? c.name) === containerName)
    .filter((c) => !uid || (c.labels[LABEL_POD_UID] ?? c.podUid) === uid)
    .sort((a, b) => attemptOf(b) - attemptOf(a) || b.createdAt.getTime() - a.createdAt.getTime());
}

export function findPod(pods: Pod[], namespace: string, name: string): Pod | undefined {
  return pods.find((p) => (p.metadata.namespace ?? 'default') === namespace && p.metadata.name === name);
}

export function podHasContainer(pod: Pod, name: string): boolean {
  const spec = pod.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])].some((c) => c.name === name);
}

/** The pod the request names, or the kubelet's 404. */
export function requirePod(pods: Pod[], namespace: string, name: string): Pod {
  const pod = findPod(pods, namespace, name);
  if (!pod) throw new KubeletHttpError(404, `pod "${name}" does not exist\n`);
  return pod;
}

function waitingMessage(pod: Pod, containerName: string): string {
  const podName = pod.metadata.name;
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === containerName);
  const reason = status?.state?.waiting?.reason ?? (status ? undefined : 'ContainerCreating');
  if (reason === 'ErrImagePull') return `container "${containerName}" in pod "${podName}" is waiting to start: image can't be pulled`;
  if (reason === 'ImagePullBackOff') {
    return `container "${containerName}" in pod "${podName}" is waiting to start: trying and failing to pull image`;
  }
  if (reason) return `container "${containerName}" in pod "${podName}" is waiting to start: ${reason}`;
  return `container "${containerName}" in pod "${podName}" is waiting to start - no logs yet`;
}

/**
 * The container whose logs a request asks for: the current instance, or with
 * `previous` the one before it. Errors are the kubelet's 400s.
 */
export async function logContainer(runtime: ContainerRuntime, pod: Pod, containerName: string, previous: boolean): Promise<ContainerStatus> {
  if (!podHasContainer(pod, containerName)) {
    throw new KubeletHttpError(404, `container "${containerName}" not found in pod "${pod.metadata.name}"\n`);
  }
  const instances = await containerInstances(runtime, pod, containerName);
  if (previous) {
    const before = instances.find((c, i) => i > 0 && c.state === 'exited');
    if (!before) {
      throw new KubeletHttpError(400, `previous terminated container "${containerName}" in pod "${pod.metadata.name}" not found`);
    }
    return before;
  }
  const current = instances[0];
  if (current && current.state !== 'created') return current;
  // A container that was created but never started has no output yet; the
  // one before it, if it exited, still has the last words.
  const last = instances.find((c) => c.state === 'exited');
  if (current && last) return last;
  throw new KubeletHttpError(400, waitingMessage(pod, containerName));
}

/** The running container an exec or attach request goes to; the kubelet answers 500 when there is none. */
export async function runningContainer(runtime: ContainerRuntime, pod: Pod, containerName: string): Promise<ContainerStatus> {
  const instances = await containerInstances(runtime, pod, containerName);
  const running = instances.find((c) => c.state === 'running');
  if (!running) throw new KubeletHttpError(500, `container not found ("${containerName}")`);
  return running;
}
