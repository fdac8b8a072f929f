// The container runtime on a Docker engine. A pod's sandbox is a pause
// container that owns the network and IPC namespaces (and with them
// /etc/hosts and /etc/resolv.conf); the pod's containers join it with
// `container:<sandbox>` modes, so they share localhost and one pod IP.
// Everything this runtime creates is labelled with its node name and every
// list is filtered by it, so several kubelets can share one engine.
import { networkInterfaces } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import {
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_UID,
  LABEL_TYPE,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type ImageStatus,
  type LogOptions,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeVersion,
  type StreamOptions,
  type StreamSession,
} from './interface.js';
import {
  containerCreateOptions,
  containerStatusFromInspect,
  dockerErrorMessage,
  dockerStatusCode,
  LABEL_SANDBOX_ID,
  LABEL_TERMINATION_MESSAGE_PATH,
  sandboxCreateOptions,
  sandboxStatusFromInspect,
  sandboxStatusFromList,
} from './docker-config.js';
import { CgroupStatsReader } from './docker-stats.js';
import { FrameDemuxer, firstFileInTar } from './docker-streams.js';

export const DEFAULT_PAUSE_IMAGE = 'skiff/pause:latest';
export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerRuntimeOptions {
  nodeName: string;
  /** default: the engine on /var/run/docker.sock */
  docker?: Docker;
  /** default skiff/pause:latest */
  pauseImage?: string;
  /** default true; false makes pullImage fail at once for an absent image, without contacting a registry */
  allowPull?: boolean;
  /** the pod IP of hostNetwork pods; default the first non-loopback IPv4 address of this machine */
  nodeIP?: string;
  log?: Logger;
}

/** Kubernetes keeps at most this much of a termination message. */
const MAX_TERMINATION_MESSAGE = 4096;
/**
 * Stopping a sandbox ends its containers forcibly, as containerd does: the
 * kubelet gave them their grace period before it stops the sandbox.
 */
const SANDBOX_CONTAINER_STOP_SECONDS = 0;
/** the pause container exits on SIGTERM at once */
const PAUSE_STOP_SECONDS = 2;
/** probe and hook output beyond this is dropped */
const MAX_EXEC_OUTPUT = 1 << 20;

interface CachedStatus {
  /** Docker's state when read: a container's details only change with it */
  dockerState: string;
  status: ContainerStatus;
}

export class DockerRuntime implements ContainerRuntime {
  readonly nodeName: string;
  private readonly docker: Docker;
  private readonly pauseImage: string;
  private readonly allowPull: boolean;
  private readonly nodeIP: string;
  private readonly log?: Logger;
  private readonly cgroups = new CgroupStatsReader();
  private readonly statuses = new Map<string, CachedStatus>();
  private readonly imageIds = new Map<string, string>();
  /** open log follows, exec and attach sessions, ended by close() */
  private readonly sessions = new Set<{ destroy(): void }>();

  constructor(opts: DockerRuntimeOptions) {
    this.nodeName = opts.nodeName;
    this.docker = opts.docker ?? new Docker({ socketPath: DOCKER_SOCKET });
    this.pauseImage = opts.pauseImage ?? DEFAULT_PAUSE_IMAGE;
    this.allowPull = opts.allowPull ?? true;
    this.nodeIP = opts.nodeIP ?? primaryIPv4();
    this.log = opts.log;
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.docker.version();
    return { runtimeName: 'docker', runtimeVersion: v.Version };
  }

  // --- sandboxes ---

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!(await this.imageStatus(this.pauseImage))) {
      throw new Error(`pause image ${this.pauseImage} is not present on this node (build it with scripts/build-images.sh)`);
    }
    const container = await this.create(sandboxCreateOptions(this.nodeName, config, this.pauseImage));
    try {
      await container.start();
    } catch (err) {
      await this.forceRemove(container.id);
      throw new Error(`starting the sandbox of pod ${config.namespace}/${config.podName}: ${dockerErrorMessage(err)}`);
    }
    this.log?.debug({ pod: `${config.namespace}/${config.podName}`, sandbox: container.id }, 'sandbox started');
    return container.id;
  }

  /** Ends the pod's containers and then the sandbox; the sandbox stays listed, not ready. */
  async stopPodSandbox(id: string): Promise<void> {
    const containers = await this.docker.listContainers({ filters: { label: [...this.containerLabels(), `${LABEL_SANDBOX_ID}=${id}`] } });
    await Promise.all(containers.map((c) => this.stopContainer(c.Id, SANDBOX_CONTAINER_STOP_SECONDS)));
    await this.stopQuietly(id, PAUSE_STOP_SECONDS);
  }

  async removePodSandbox(id: string): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [...this.containerLabels(), `${LABEL_SANDBOX_ID}=${id}`] } });
    await Promise.all(containers.map((c) => this.removeContainer(c.Id)));
    await this.forceRemove(id);
  }

  /**
   * From the engine's list alone, as dockershim's ListPodSandbox: an inspect
   * waits for the container's lock, which the engine holds through a whole
   * start, so inspecting every sandbox would stall each pod's sync (and each
   * relist) behind every other sandbox being started.
   */
  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${this.nodeName}`, `${LABEL_TYPE}=sandbox`] } });
    return list.map((c) => sandboxStatusFromList(c, this.nodeIP));
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const info = await this.inspect(id);
    if (!info || !this.owns(info, 'sandbox')) return undefined;
    return sandboxStatusFromInspect(info, this.nodeIP);
  }

  // --- containers ---

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    let imageUser = '';
    if (config.runAsGroup !== undefined && config.runAsUser === undefined) {
      imageUser = (await this.inspectImage(config.image))?.Config?.User ?? '';
    }
    const container = await this.create(containerCreateOptions(this.nodeName, sandboxId, config, sandbox, imageUser));
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (dockerStatusCode(err) === 304) return; // already running
      throw new Error(dockerErrorMessage(err));
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.stopQuietly(id, timeoutSeconds);
  }

  async removeContainer(id: string): Promise<void> {
    await this.forceRemove(id);
    this.statuses.delete(id);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerStatus[]> {
    const labels = this.containerLabels();
    if (filter.podUid !== undefined) labels.push(`${LABEL_POD_UID}=${filter.podUid}`);
    if (filter.sandboxId !== undefined) labels.push(`${LABEL_SANDBOX_ID}=${filter.sandboxId}`);
    const list = await this.docker.listContainers({ all: filter.all ?? true, filters: { label: labels } });
    const out = await Promise.all(
      list.map(async (c) => {
        const cached = this.statuses.get(c.Id);
        if (cached && cached.dockerState === c.State) return cached.status;
        return this.containerStatus(c.Id);
      }),
    );
    if (filter.podUid === undefined && filter.sandboxId === undefined && filter.all !== false) {
      const present = new Set(list.map((c) => c.Id));
      for (const id of this.statuses.keys()) if (!present.has(id)) this.statuses.delete(id);
    }
    return out.filter((s): s is ContainerStatus => s !== undefined);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    let info = await this.inspect(id);
    if (!info || !this.owns(info, 'container')) {
      this.statuses.delete(id);
      return undefined;
    }
    // Docker records an OOM kill from an event that may come after the exit:
    // a memory-limited container SIGKILLed without the flag gets a moment
    // for it, once (the answer is then remembered), so its first reported
    // reason is OOMKilled rather than Error.
    for (let i = 0; i < OOM_SETTLE_READS && mayBeUnflaggedOom(info); i++) {
      await sleep(OOM_SETTLE_INTERVAL_MS);
      const again = await this.inspect(id);
      if (!again) break;
      info = again;
    }
    const exited = info.State.Status === 'exited' || info.State.Status === 'dead';
    const path = info.Config.Labels?.[LABEL_TERMINATION_MESSAGE_PATH];
    const message = exited && path ? await this.readFile(id, path, MAX_TERMINATION_MESSAGE) : undefined;
    const status = containerStatusFromInspect(info, await this.imageId(info.Image), message);
    this.statuses.set(id, { dockerState: info.State.Status, status });
    return status;
  }

  // --- exec, attach, logs ---

  async execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.execCreate(id, { Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = (await exec.start({ Detach: false, Tty: false })) as Readable;
    const out = new BoundedBuffer(MAX_EXEC_OUTPUT);
    const err = new BoundedBuffer(MAX_EXEC_OUTPUT);
    const demux = new FrameDemuxer(
      (b) => out.add(b),
      (b) => err.add(b),
    );
    stream.on('data', (b: Buffer) => demux.push(b));
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    if (!finished) {
      // Docker cannot kill an exec; its process is a host process, so end it from here when allowed
      await this.killExec(exec);
      stream.destroy();
      return { exitCode: -1, stdout: out.text(), stderr: err.text(), timedOut: true };
    }
    return { exitCode: await this.execExitCode(exec), stdout: out.text(), stderr: err.text(), timedOut: false };
  }

  async exec(id: string, cmd: string[], streams: StreamOptions): Promise<StreamSession> {
    const exec = await this.execCreate(id, {
      Cmd: cmd,
      AttachStdin: streams.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: streams.tty,
    });
    const stream = (await exec.start({ hijack: true, stdin: streams.stdin !== undefined, Detach: false, Tty: streams.tty })) as NodeJS.ReadWriteStream &
      Readable;
    const ended = this.pipeSession(stream, streams, streams.tty);
    return {
      resize: async (cols, rows) => {
        await exec.resize({ h: rows, w: cols });
      },
      exited: ended.then(() => this.execExitCode(exec)),
      close: () => stream.destroy(),
    };
  }

  async attach(id: string, streams: StreamOptions): Promise<StreamSession> {
    const container = this.docker.getContainer(id);
    const info = await this.inspect(id);
    if (!info || !this.owns(info, 'container')) throw new Error(`container ${id} not found`);
    const stream = (await container.attach({ stream: true, stdin: streams.stdin !== undefined, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream &
      Readable;
    let closedByUs = false;
    // the stream's framing follows how the container was created, whatever the caller asked
    const ended = this.pipeSession(stream, streams, info.Config.Tty);
    return {
      resize: async (cols, rows) => {
        await container.resize({ h: rows, w: cols });
      },
      exited: ended.then(() => this.exitCodeAfterAttach(id, closedByUs)),
      close: () => {
        closedByUs = true;
        stream.destroy();
      },
    };
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const info = await this.inspect(id);
    if (!info || !this.owns(info, 'container')) throw new Error(`container ${id} not found`);
    const query: Record<string, string | number | boolean> = {
      follow: opts.follow ?? false,
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
      tail: opts.tailLines !== undefined ? String(Math.max(0, opts.tailLines)) : 'all',
    };
    if (opts.sinceSeconds !== undefined) query.since = Math.floor(Date.now() / 1000 - opts.sinceSeconds);
    // always a stream: the buffered answer of a non-follow request is parsed as JSON by the client when it looks like JSON
    const raw = await new Promise<Readable>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${id}/logs?`,
          method: 'GET',
          isStream: true,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options: query,
        },
        (err, res) => (err ? reject(new Error(dockerErrorMessage(err))) : resolve(res as Readable)),
      );
    });
    const out = new PassThrough();
    out.setEncoding('utf8');
    if (info.Config.Tty) {
      raw.on('data', (b: Buffer) => out.write(b));
    } else {
      const demux = new FrameDemuxer(
        (b) => out.write(b),
        (b) => out.write(b),
      );
      raw.on('data', (b: Buffer) => demux.push(b));
    }
    const session = { destroy: () => raw.destroy() };
    this.sessions.add(session);
    const finish = (): void => {
      this.sessions.delete(session);
      if (!out.writableEnded) out.end();
    };
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', (err) => {
      this.sessions.delete(session);
      out.destroy(err);
    });
    out.once('close', () => raw.destroy());
    return out;
  }

  // --- stats ---

  async containerStats(): Promise<ContainerStats[]> {
    const list = await this.docker.listContainers({ filters: { label: this.containerLabels(), status: ['running'] } });
    const now = new Date();
    const stats = await Promise.all(
      list.map(async (c): Promise<ContainerStats | undefined> => {
        const usage = (await this.cgroups.read(c.Id)) ?? (await this.apiStats(c.Id));
        if (!usage) return undefined;
        return {
          containerId: c.Id,
          podUid: c.Labels[LABEL_POD_UID] ?? '',
          name: c.Labels[LABEL_CONTAINER_NAME] ?? '',
          timestamp: now,
          cpuUsageCoreNanoSeconds: usage.cpuNs,
          memoryWorkingSetBytes: usage.workingSetBytes,
          memoryUsageBytes: usage.usageBytes,
        };
      }),
    );
    return stats.filter((s): s is ContainerStats => s !== undefined);
  }

  // --- images ---

  async imageStatus(image: string): Promise<ImageStatus | undefined> {
    const info = await this.inspectImage(image);
    if (!info) return undefined;
    return { id: info.Id, repoTags: info.RepoTags ?? [], sizeBytes: info.Size };
  }

  async pullImage(image: string): Promise<void> {
    if (!this.allowPull) {
      if (await this.imageStatus(image)) return;
      throw new Error(`image pull disabled: ${image} is not present on this node`);
    }
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (err) {
      throw new Error(`pulling ${image}: ${dockerErrorMessage(err)}`);
    }
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => {
        if (err) return reject(new Error(`pulling ${image}: ${err.message}`));
        const failed = output.find((o): o is { error: string } => typeof o === 'object' && o !== null && 'error' in o && typeof o.error === 'string');
        if (failed) return reject(new Error(`pulling ${image}: ${failed.error}`));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.destroy();
    this.sessions.clear();
  }

  // --- helpers ---

  private containerLabels(): string[] {
    return [`${LABEL_NODE}=${this.nodeName}`, `${LABEL_TYPE}=container`];
  }

  private owns(info: Docker.ContainerInspectInfo, type: 'sandbox' | 'container'): boolean {
    const labels = info.Config.Labels ?? {};
    return labels[LABEL_NODE] === this.nodeName && labels[LABEL_TYPE] === type;
  }

  /** Creates under the dockershim-style name, or a suffixed one when another node of this engine has it. */
  private async create(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer(options);
    } catch (err) {
      if (dockerStatusCode(err) === 409 && options.name) {
        const suffix = Math.random().toString(16).slice(2, 10);
        try {
          return await this.docker.createContainer({ ...options, name: `${options.name}_${suffix}` });
        } catch (retryErr) {
          throw new Error(dockerErrorMessage(retryErr));
        }
      }
      throw new Error(dockerErrorMessage(err));
    }
  }

  private async inspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (dockerStatusCode(err) === 404) return undefined;
      throw new Error(dockerErrorMessage(err));
    }
  }

  private async inspectImage(image: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(image).inspect();
    } catch (err) {
      if (dockerStatusCode(err) === 404) return undefined;
      throw new Error(dockerErrorMessage(err));
    }
  }

  /** As Kubernetes reports imageID: the repo digest when the image came from a registry, else Docker's image ID. */
  private async imageId(id: string): Promise<string> {
    const cached = this.imageIds.get(id);
    if (cached !== undefined) return cached;
    const digest = (await this.inspectImage(id))?.RepoDigests?.[0];
    const value = digest ? `docker-pullable://${digest}` : id;
    this.imageIds.set(id, value);
    return value;
  }

  private async stopQuietly(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(timeoutSeconds)) });
    } catch (err) {
      const code = dockerStatusCode(err);
      if (code === 304 || code === 404) return; // already stopped, or gone
      throw new Error(dockerErrorMessage(err));
    }
  }

  private async forceRemove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = dockerStatusCode(err);
      if (code === 404 || code === 409) return; // gone, or its removal is already under way
      throw new Error(dockerErrorMessage(err));
    }
  }

  /** A file from a container's filesystem (running or not), or undefined when it does not exist. */
  private async readFile(id: string, path: string, limit: number): Promise<string | undefined> {
    try {
      const stream = await this.docker.getContainer(id).getArchive({ path });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as Readable) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        chunks.push(b);
        size += b.length;
        // a header block and the part of the file we keep are enough
        if (size >= limit + 1024) break;
      }
      return firstFileInTar(Buffer.concat(chunks), limit)?.toString('utf8');
    } catch (err) {
      if (dockerStatusCode(err) === 404) return undefined;
      this.log?.debug({ container: id, path, err: dockerErrorMessage(err) }, 'reading termination message failed');
      return undefined;
    }
  }

  private async execCreate(id: string, options: Docker.ExecCreateOptions): Promise<Docker.Exec> {
    const info = await this.inspect(id);
    if (!info || !this.owns(info, 'container')) throw new Error(`container ${id} not found`);
    if (!info.State.Running) throw new Error(`container ${id} is not running`);
    try {
      return await this.docker.getContainer(id).exec(options);
    } catch (err) {
      throw new Error(dockerErrorMessage(err));
    }
  }

  /** Docker records an exec's exit code a moment after its output ends. */
  private async execExitCode(exec: Docker.Exec): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await sleep(20);
    }
    return -1;
  }

  private async killExec(exec: Docker.Exec): Promise<void> {
    try {
      const { Pid, Running } = await exec.inspect();
      if (Running && Pid > 0) process.kill(Pid, 'SIGKILL');
    } catch (err) {
      this.log?.debug({ err: dockerErrorMessage(err) }, 'could not kill a timed-out exec');
    }
  }

  /** The container's exit code once an attach ends; -1 when it was closed while the container still runs. */
  private async exitCodeAfterAttach(id: string, closedByUs: boolean): Promise<number> {
    // the stream ends as the process does, slightly before Docker marks the container exited
    for (let i = 0; i < (closedByUs ? 1 : 50); i++) {
      const info = await this.inspect(id);
      if (!info) return -1;
      if (!info.State.Running) return info.State.ExitCode;
      await sleep(20);
    }
    return -1;
  }

  /** Wires a hijacked stream to the caller's streams; resolves when the remote side ends. */
  private pipeSession(stream: NodeJS.ReadWriteStream & Readable, streams: StreamOptions, tty: boolean): Promise<void> {
    const session = { destroy: () => stream.destroy() };
    this.sessions.add(session);
    const write = (w: Writable | undefined, b: Buffer): void => {
      if (w && !w.writableEnded && !w.destroyed) w.write(b);
    };
    if (tty) {
      stream.on('data', (b: Buffer) => write(streams.stdout, b));
    } else {
      const demux = new FrameDemuxer(
        (b) => write(streams.stdout, b),
        (b) => write(streams.stderr, b),
      );
      stream.on('data', (b: Buffer) => demux.push(b));
    }
    if (streams.stdin) {
      const stdin = streams.stdin;
      stdin.on('data', (b: Buffer) => {
        if (!stream.destroyed) stream.write(b);
      });
      // closing our half tells Docker the process's stdin ended
      stdin.once('end', () => {
        if (!stream.destroyed) stream.end();
      });
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.sessions.delete(session);
        resolve();
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
  }

  private async apiStats(id: string): Promise<{ cpuNs: bigint; usageBytes: number; workingSetBytes: number } | undefined> {
    try {
      const s = await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true });
      const usageBytes = s.memory_stats.usage ?? 0;
      const memStats: Record<string, number | undefined> = s.memory_stats.stats ?? {};
      const inactive = memStats.total_inactive_file ?? memStats.inactive_file ?? 0;
      return {
        cpuNs: BigInt(s.cpu_stats.cpu_usage.total_usage),
        usageBytes,
        workingSetBytes: Math.max(0, usageBytes - inactive),
      };
    } catch {
      return undefined;
    }
  }
}

/** Collects output up to a size, dropping the rest. */
class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  add(b: Buffer): void {
    if (this.size >= this.limit) return;
    const part = b.subarray(0, this.limit - this.size);
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const OOM_SETTLE_READS = 5;
const OOM_SETTLE_INTERVAL_MS = 100;

function mayBeUnflaggedOom(info: Docker.ContainerInspectInfo): boolean {
  const exited = info.State.Status === 'exited' || info.State.Status === 'dead';
  return exited && info.State.ExitCode === 137 && !info.State.OOMKilled && (info.HostConfig?.Memory ?? 0) > 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** This machine's first non-loopback IPv4 address outside Docker's own bridges. */
function primaryIPv4(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth)/.test(name)) continue;
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}
