// A container runtime that times every call into
// kubelet_runtime_operations_duration_seconds{operation_type}, with
// Kubernetes' operation names (instrumentedRuntimeService).
import type { Readable } from 'node:stream';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerRuntime,
  ContainerStats,
  ContainerStatus,
  ExecResult,
  ImageStatus,
  LogOptions,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeVersion,
  StreamOptions,
  StreamSession,
} from './runtime/interface.js';
import type { KubeletMetrics } from './metrics.js';

export class InstrumentedRuntime implements ContainerRuntime {
  constructor(
    private readonly inner: ContainerRuntime,
    private readonly metrics: KubeletMetrics,
  ) {}

  private async time<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const end = this.metrics.runtimeOperationsDuration.startTimer({ operation_type: operation });
    try {
      return await fn();
    } finally {
      end();
    }
  }

  version(): Promise<RuntimeVersion> {
    return this.time('version', () => this.inner.version());
  }
  runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.time('run_podsandbox', () => this.inner.runPodSandbox(config));
  }
  stopPodSandbox(id: string): Promise<void> {
    return this.time('stop_podsandbox', () => this.inner.stopPodSandbox(id));
  }
  removePodSandbox(id: string): Promise<void> {
    return this.time('remove_podsandbox', () => this.inner.removePodSandbox(id));
  }
  listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return this.time('list_podsandbox', () => this.inner.listPodSandboxes());
  }
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    return this.time('podsandbox_status', () => this.inner.podSandboxStatus(id));
  }
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    return this.time('create_container', () => this.inner.createContainer(sandboxId, config, sandbox));
  }
  startContainer(id: string): Promise<void> {
    return this.time('start_container', () => this.inner.startContainer(id));
  }
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.time('stop_container', () => this.inner.stopContainer(id, timeoutSeconds));
  }
  removeContainer(id: string): Promise<void> {
    return this.time('remove_container', () => this.inner.removeContainer(id));
  }
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    return this.time('list_containers', () => this.inner.listContainers(filter));
  }
  containerStatus(id: string): Promise<ContainerStatus | undefined> {
    return this.time('container_status', () => this.inner.containerStatus(id));
  }
  execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    return this.time('exec_sync', () => this.inner.execSync(id, cmd, timeoutMs));
  }
  exec(id: string, cmd: string[], streams: StreamOptions): Promise<StreamSession> {
    return this.time('exec', () => this.inner.exec(id, cmd, streams));
  }
  attach(id: string, streams: StreamOptions): Promise<StreamSession> {
    return this.time('attach', () => this.inner.attach(id, streams));
  }
  logs(id: string, opts: LogOptions): Promise<Readable> {
    return this.time('logs', () => this.inner.logs(id, opts));
  }
  containerStats(): Promise<ContainerStats[]> {
    return this.time('list_container_stats', () => this.inner.containerStats());
  }
  imageStatus(image: string): Promise<ImageStatus | undefined> {
    return this.time('image_status', () => this.inner.imageStatus(image));
  }
  pullImage(image: string): Promise<void> {
    return this.time('pull_image', () => this.inner.pullImage(image));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
