// Translation between the runtime contract and Docker's API: what a sandbox
// or a container is created with, and how Docker's inspect answer reads as a
// sandbox or container status. Pure functions, so the Kubernetes semantics
// they encode (entrypoint and cmd overrides, reasons, user) are unit-tested
// without an engine.
import type Docker from 'dockerode';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_TYPE,
  type ContainerConfig,
  type ContainerState,
  type ContainerStatus,
  type PodSandboxConfig,
  type PodSandboxStatus,
} from './interface.js';

/** On app containers: the sandbox whose namespaces they joined, so they can be listed by it. */
export const LABEL_SANDBOX_ID = 'io.skiff.sandbox.id';
/** On app containers: where the termination message is read from after exit. */
export const LABEL_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';

/** Docker's log files rotate at this size, so a chatty container cannot fill the disk. */
const LOG_MAX_SIZE = '10m';
const LOG_MAX_FILES = '3';
const MAX_HOSTNAME = 63;

/** Names as dockershim gave them (`k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`), readable in `docker ps`. */
export function containerName(container: string, sandbox: PodSandboxConfig, attempt: number): string {
  return `k8s_${container}_${sandbox.podName}_${sandbox.namespace}_${sandbox.uid}_${attempt}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function sandboxCreateOptions(nodeName: string, config: PodSandboxConfig, pauseImage: string): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of config.portMappings) {
    if (!(p.hostPort > 0)) continue;
    const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
  }
  return {
    name: containerName('POD', config, config.attempt),
    Image: pauseImage,
    // a hostNetwork pod has the node's hostname, as in Kubernetes
    Hostname: config.hostNetwork ? undefined : config.hostname.slice(0, MAX_HOSTNAME),
    Labels: {
      ...config.labels,
      [LABEL_NODE]: nodeName,
      [LABEL_TYPE]: 'sandbox',
      [LABEL_POD_NAME]: config.podName,
      [LABEL_POD_NAMESPACE]: config.namespace,
      [LABEL_POD_UID]: config.uid,
      [LABEL_ATTEMPT]: String(config.attempt),
    },
    ExposedPorts: config.hostNetwork ? undefined : exposed,
    HostConfig: {
      NetworkMode: config.hostNetwork ? 'host' : 'bridge',
      // the app containers join this IPC namespace
      IpcMode: 'shareable',
      PortBindings: config.hostNetwork ? undefined : bindings,
      // resolv.conf and hosts live with the sandbox; containers joining its network share both files
      Dns: config.dns?.servers,
      DnsSearch: config.dns?.searches,
      DnsOptions: config.dns?.options,
      ExtraHosts: config.hostAliases?.flatMap((a) => a.hostnames.map((h) => `${h}:${a.ip}`)),
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': LOG_MAX_SIZE, 'max-file': LOG_MAX_FILES } },
    },
  };
}

/**
 * `imageUser` is the image's own USER, needed only when the pod sets a group
 * without a user: Docker takes the two together.
 */
export function containerCreateOptions(
  nodeName: string,
  sandboxId: string,
  config: ContainerConfig,
  sandbox: PodSandboxConfig,
  imageUser = '',
): Docker.ContainerCreateOptions {
  const binds: string[] = [];
  const tmpfs: Record<string, string> = {};
  for (const m of config.mounts) {
    if (m.tmpfs) {
      const opts = [m.readOnly ? 'ro' : 'rw'];
      if (m.tmpfs.sizeBytes !== undefined) opts.push(`size=${m.tmpfs.sizeBytes}`);
      tmpfs[m.containerPath] = opts.join(',');
    } else {
      binds.push(`${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`);
    }
  }
  const labels: Record<string, string> = {
    ...config.labels,
    [LABEL_NODE]: nodeName,
    [LABEL_TYPE]: 'container',
    [LABEL_POD_NAME]: sandbox.podName,
    [LABEL_POD_NAMESPACE]: sandbox.namespace,
    [LABEL_POD_UID]: sandbox.uid,
    [LABEL_CONTAINER_NAME]: config.name,
    [LABEL_ATTEMPT]: String(config.attempt),
    [LABEL_SANDBOX_ID]: sandboxId,
  };
  if (config.terminationMessagePath) labels[LABEL_TERMINATION_MESSAGE_PATH] = config.terminationMessagePath;
  return {
    name: containerName(config.name, sandbox, config.attempt),
    Image: config.image,
    // Kubernetes: `command` replaces the entrypoint and drops the image's cmd
    // (Docker does the same when Entrypoint is set and Cmd is not); `args`
    // replaces only the cmd
    Entrypoint: config.command?.length ? config.command : undefined,
    Cmd: config.args?.length ? config.args : undefined,
    Env: config.env.map((e) => `${e.name}=${e.value}`),
    WorkingDir: config.workingDir || undefined,
    Tty: config.tty ?? false,
    OpenStdin: config.stdin ?? false,
    StdinOnce: config.stdinOnce ?? false,
    User: userSpec(config.runAsUser, config.runAsGroup, imageUser),
    Labels: labels,
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      Binds: binds.length ? binds : undefined,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : undefined,
      Memory: config.memoryLimitBytes,
      // no swap beyond the limit, so exceeding it is an OOM kill as in Kubernetes
      MemorySwap: config.memoryLimitBytes,
      NanoCpus: config.nanoCpus,
      CpuShares: config.cpuShares,
      ReadonlyRootfs: config.readOnlyRootFilesystem ?? false,
      Privileged: config.privileged ?? false,
      // the kubelet restarts containers itself, by creating a new attempt
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': LOG_MAX_SIZE, 'max-file': LOG_MAX_FILES } },
    },
  };
}

export function userSpec(runAsUser: number | undefined, runAsGroup: number | undefined, imageUser: string): string | undefined {
  if (runAsUser !== undefined) return runAsGroup !== undefined ? `${runAsUser}:${runAsGroup}` : String(runAsUser);
  if (runAsGroup !== undefined) return `${imageUser.split(':')[0] || '0'}:${runAsGroup}`;
  return undefined;
}

/** Docker writes the zero time for "never"; that is no date at all. */
export function parseDockerTime(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function sandboxStatusFromInspect(info: Docker.ContainerInspectInfo, nodeIP: string): PodSandboxStatus {
  const labels = info.Config.Labels ?? {};
  const ready = info.State.Running;
  let ip: string | undefined;
  if (ready) {
    if (info.HostConfig.NetworkMode === 'host') ip = nodeIP;
    else {
      // the default bridge first, then whatever network the engine put the sandbox on
      const networks = info.NetworkSettings.Networks ?? {};
      ip = networks.bridge?.IPAddress || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || undefined;
    }
  }
  return {
    id: info.Id,
    podName: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
    uid: labels[LABEL_POD_UID] ?? '',
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
    state: ready ? 'ready' : 'notready',
    ip,
    createdAt: parseDockerTime(info.Created) ?? new Date(0),
    labels: { ...labels },
  };
}

/** The same status from an entry of the engine's container list (creation time in whole seconds there). */
export function sandboxStatusFromList(c: Docker.ContainerInfo, nodeIP: string): PodSandboxStatus {
  const labels = c.Labels ?? {};
  const ready = containerState(c.State) === 'running';
  let ip: string | undefined;
  if (ready) {
    if (c.HostConfig?.NetworkMode === 'host') ip = nodeIP;
    else {
      const networks = c.NetworkSettings?.Networks ?? {};
      ip = networks.bridge?.IPAddress || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || undefined;
    }
  }
  return {
    id: c.Id,
    podName: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
    uid: labels[LABEL_POD_UID] ?? '',
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
    state: ready ? 'ready' : 'notready',
    ip,
    createdAt: new Date((c.Created ?? 0) * 1000),
    labels: { ...labels },
  };
}

export function containerState(status: string): ContainerState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}

export function containerStatusFromInspect(info: Docker.ContainerInspectInfo, imageId: string, message?: string): ContainerStatus {
  const labels = info.Config.Labels ?? {};
  const s = info.State;
  let state = containerState(s.Status);
  let exitCode: number | undefined;
  let reason: string | undefined;
  let stateMessage = message;
  if (state === 'exited') {
    exitCode = s.ExitCode;
    reason = s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error';
  } else if (state === 'created' && s.Error) {
    // a start that failed (missing executable, bad mount) leaves Docker's
    // container "created" with the error; to the kubelet it has terminated
    state = 'exited';
    exitCode = s.ExitCode || 128;
    reason = 'StartError';
    stateMessage = s.Error;
  }
  const finishedAt = state === 'exited' ? parseDockerTime(s.FinishedAt) : undefined;
  let startedAt = parseDockerTime(s.StartedAt);
  // Docker stamps the start after the process runs, so one that ends at once can seem to finish first
  if (startedAt && finishedAt && startedAt > finishedAt) startedAt = finishedAt;
  return {
    id: info.Id,
    sandboxId: labels[LABEL_SANDBOX_ID] ?? sandboxIdFromNetworkMode(info.HostConfig.NetworkMode),
    podName: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
    podUid: labels[LABEL_POD_UID] ?? '',
    name: labels[LABEL_CONTAINER_NAME] ?? info.Name.replace(/^\//, ''),
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
    image: info.Config.Image,
    imageId,
    state,
    createdAt: parseDockerTime(info.Created) ?? new Date(0),
    startedAt,
    finishedAt,
    exitCode,
    reason,
    message: stateMessage || undefined,
    labels: { ...labels },
  };
}

function sandboxIdFromNetworkMode(mode: string | undefined): string {
  return mode?.startsWith('container:') ? mode.slice('container:'.length) : '';
}

/** The message Docker's API put in an error, without dockerode's "(HTTP code ...)" wrapping. */
export function dockerErrorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const json = 'json' in err ? err.json : undefined;
    if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string') {
      return json.message;
    }
    if (Buffer.isBuffer(json)) {
      const text = json.toString('utf8').trim();
      if (text) return text;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

export function dockerStatusCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number') {
    return err.statusCode;
  }
  return undefined;
}
