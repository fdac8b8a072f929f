// The container runtime interface the kubelet drives, shaped like Kubernetes'
// CRI: a pod is a sandbox (which owns the network namespace) plus containers
// that join it. Two implementations: Docker (dockerode) and simulated (no
// containers at all, for control-plane tests at scale).
//
// A runtime instance belongs to one node: every sandbox and container it
// creates carries that node's name in its labels, and every list it returns
// is filtered to them, so several kubelets can share one Docker engine.
import type { Readable, Writable } from 'node:stream';

/** Labels on every sandbox and container, so a restarted kubelet finds them. */
export const LABEL_NODE = 'io.skiff.node';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** how many times this container (by name, in this pod) was created before: the restart count */
export const LABEL_ATTEMPT = 'io.skiff.container.attempt';
/** "sandbox" or "container" */
export const LABEL_TYPE = 'io.skiff.type';

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  /** the node IP the host port is published on */
  hostIP?: string;
}

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxConfig {
  podName: string;
  namespace: string;
  uid: string;
  /** increments each time the sandbox of this pod is recreated */
  attempt: number;
  hostname: string;
  hostNetwork: boolean;
  /** written as the sandbox's /etc/resolv.conf when given (dnsPolicy ClusterFirst) */
  dns?: DnsConfig;
  portMappings: PortMapping[];
  /** extra lines for /etc/hosts, e.g. the pod's own hostname and subdomain */
  hostAliases?: { ip: string; hostnames: string[] }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodSandboxStatus {
  id: string;
  podName: string;
  namespace: string;
  uid: string;
  attempt: number;
  state: 'ready' | 'notready';
  /** the pod IP: the sandbox's address on the runtime's network, or the node IP with hostNetwork */
  ip?: string;
  createdAt: Date;
  labels: Record<string, string>;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
  /** a tmpfs instead of a host directory (emptyDir with medium Memory) */
  tmpfs?: { sizeBytes?: number };
}

export interface ContainerConfig {
  name: string;
  image: string;
  /** pod spec `command` (replaces the image's entrypoint) */
  command?: string[];
  /** pod spec `args` (replaces the image's cmd) */
  args?: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  mounts: Mount[];
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  /** from limits.memory */
  memoryLimitBytes?: number;
  /** from limits.cpu: billionths of a CPU */
  nanoCpus?: number;
  /** from requests.cpu, as Kubernetes: milliCPU * 1024 / 1000, at least 2 */
  cpuShares?: number;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  /** restart count of this container in this pod (stored in LABEL_ATTEMPT) */
  attempt: number;
  /** where the kubelet reads `terminationMessagePath` from, if set */
  terminationMessagePath?: string;
  labels?: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  podName: string;
  namespace: string;
  podUid: string;
  name: string;
  attempt: number;
  image: string;
  /** e.g. docker-pullable://... or sha256:... as Kubernetes reports imageID */
  imageId: string;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** for exited containers: OOMKilled, Error, Completed, ... */
  reason?: string;
  message?: string;
  labels: Record<string, string>;
}

export interface ContainerFilter {
  podUid?: string;
  sandboxId?: string;
  /** include exited and created containers, not only running ones (default true) */
  all?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Streams for exec and attach. With `tty`, stderr is merged into stdout as a terminal does. */
export interface StreamOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
}

export interface StreamSession {
  resize(cols: number, rows: number): Promise<void>;
  /** resolves with the exit code once the process ends (attach: once the stream closes, code of the container if known) */
  exited: Promise<number>;
  /** ends the session early (client went away) */
  close(): void;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
}

export interface ContainerStats {
  containerId: string;
  podUid: string;
  name: string;
  timestamp: Date;
  /** cumulative CPU time in nanoseconds */
  cpuUsageCoreNanoSeconds: bigint;
  memoryWorkingSetBytes: number;
  memoryUsageBytes: number;
}

export interface ImageStatus {
  id: string;
  repoTags: string[];
  sizeBytes: number;
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  /** this node's sandboxes, ready and not ready */
  listPodSandboxes(): Promise<PodSandboxStatus[]>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds` */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** this node's containers (not sandboxes) */
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;

  /** run a command to completion (probes, lifecycle hooks); killed after timeoutMs */
  execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** an interactive or streaming command (kubelet server's /exec) */
  exec(id: string, cmd: string[], streams: StreamOptions): Promise<StreamSession>;
  /** the container's own stdio (kubelet server's /attach) */
  attach(id: string, streams: StreamOptions): Promise<StreamSession>;
  /** the container's output, as text lines (stdout and stderr interleaved, as `kubectl logs`) */
  logs(id: string, opts: LogOptions): Promise<Readable>;
  containerStats(): Promise<ContainerStats[]>;

  imageStatus(image: string): Promise<ImageStatus | undefined>;
  /** fails with an error whose message says why (no registry is reachable here, so usually always) */
  pullImage(image: string): Promise<void>;

  /** release connections; containers keep running */
  close(): Promise<void>;
}
