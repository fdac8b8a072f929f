// A container runtime without containers, so the control plane can be driven
// by hundreds of kubelets in one process. Nothing runs: a runtime only keeps
// records, and a container's lifetime follows from its spec and the clock,
// computed when someone looks (no timers), so an idle instance costs a few
// maps and no CPU.
//
// How a simulated container behaves, read from its command and args joined by
// spaces:
//   - a shell loop (`while`, `until` or `for` ... `; do`): runs until stopped;
//   - otherwise `sleep S` (seconds, fractions allowed; several add up) and/or
//     `exit N`: exits with N (0 for a bare `exit` or none) S seconds after it started, so
//     ["sh","-c","exit 1"] fails at once and ["sleep","5"] completes after 5 s;
//     `sleep infinity` never ends;
//   - anything else (no command, a server): runs until stopped.
// A stopped container exits 143 (SIGTERM). Exec answers exit 0 with no output
// unless setExecResult() says otherwise for that container (by id or by
// name). Images are all present, unless setImageMissing() names one. Logs are
// a few lines about the container's start and exit; stats are CPU counters
// growing at 10 millicores (setUsage() changes it) and a constant memory.
//
// Pod IPs come from `podCidr` when given (the node's spec.podCIDR); without it
// each node takes a /24 of 10.244.0.0/16 chosen by a hash of its name, so the
// same node always gets the same range. Addresses are unique within a runtime.
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
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

export interface SimulatedRuntimeOptions {
  nodeName: string;
  /** fake pod IPs come from here; default: a /24 of 10.244.0.0/16 picked by the node name */
  podCidr?: string;
  /** the pod IP of hostNetwork pods; default the first address of the pod range */
  nodeIP?: string;
  /** milliseconds since the epoch; default Date.now */
  clock?: () => number;
}

export interface SimulatedExecOutput {
  stdout?: string;
  stderr?: string;
}

const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
const SIGTERM_EXIT = 143;
const DEFAULT_MILLI_CPU = 10;
const BASE_MEMORY_BYTES = 4 * 1024 * 1024;

interface SimSandbox {
  id: string;
  config: PodSandboxConfig;
  ready: boolean;
  ip?: string;
  createdAt: number;
  labels: Record<string, string>;
}

interface SimContainer {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  sandbox: PodSandboxConfig;
  labels: Record<string, string>;
  state: 'created' | 'running' | 'exited';
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** when a running container ends by itself; undefined: runs until stopped */
  exitAt?: number;
  exitCode?: number;
  /** CPU charged up to cpuAt */
  cpuNs: number;
  cpuAt: number;
  /** follow-logs and attach streams waiting for the exit; created only when someone waits */
  waiters?: Set<() => void>;
}

interface ExitPlan {
  /** undefined: never exits by itself */
  afterMs?: number;
  code: number;
}

/** Reads how a container ends from its command line (rules in the file header). */
export function exitPlan(command: string[] | undefined, args: string[] | undefined): ExitPlan {
  const text = [...(command ?? []), ...(args ?? [])].join(' ');
  if (/\b(while|until|for)\b[\s\S]*?[;\n]\s*do\b/.test(text)) return { code: 0 };
  let sleepMs = 0;
  let sawSleep = false;
  for (const m of text.matchAll(/\bsleep\s+(infinity|\d+(?:\.\d+)?)/g)) {
    if (m[1] === 'infinity') return { code: 0 };
    sawSleep = true;
    sleepMs += Math.round(Number(m[1]) * 1000);
  }
  let code: number | undefined;
  for (const m of text.matchAll(/\bexit\b(?:\s+(\d+))?/g)) code = Number(m[1] ?? 0) & 0xff;
  if (code === undefined && !sawSleep) return { code: 0 };
  return { afterMs: sleepMs, code: code ?? 0 };
}

export class SimulatedRuntime implements ContainerRuntime {
  readonly nodeName: string;
  private readonly clock: () => number;
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly ipBase: number;
  private readonly ipCount: number;
  private readonly usedIps = new Set<number>();
  private nextIp = 0;
  private readonly nodeIP: string;
  /** by container id or container name */
  private execResults?: Map<string, { code: number; output?: SimulatedExecOutput }>;
  private milliCpu?: Map<string, number>;
  private memoryBytes?: Map<string, number>;
  private missingImages?: Map<string, string>;

  constructor(opts: SimulatedRuntimeOptions) {
    this.nodeName = opts.nodeName;
    this.clock = opts.clock ?? Date.now;
    const range = opts.podCidr ? parseCidr(opts.podCidr) : nodeSubnet(opts.nodeName);
    this.ipBase = range.base;
    this.ipCount = range.size;
    this.nodeIP = opts.nodeIP ?? formatIp(this.ipBase + 1);
  }

  /** What exec returns for a container (by id, or every container with this name); undefined resets to exit 0. */
  setExecResult(containerIdOrName: string, exitCode: number | undefined, output?: SimulatedExecOutput): void {
    this.execResults ??= new Map();
    if (exitCode === undefined) this.execResults.delete(containerIdOrName);
    else this.execResults.set(containerIdOrName, { code: exitCode, output });
  }

  /** The CPU (millicores) and memory a container (by id or name) reports from now on. */
  setUsage(containerIdOrName: string, usage: { milliCpu?: number; memoryBytes?: number }): void {
    // charge the time so far at the old rate, so the counter stays monotonic
    for (const c of this.containers.values()) {
      if (c.id === containerIdOrName || c.config.name === containerIdOrName) this.chargeCpu(c);
    }
    if (usage.milliCpu !== undefined) (this.milliCpu ??= new Map()).set(containerIdOrName, usage.milliCpu);
    if (usage.memoryBytes !== undefined) (this.memoryBytes ??= new Map()).set(containerIdOrName, usage.memoryBytes);
  }

  /** Makes an image absent and its pull fail with `message`; undefined makes it present again. */
  setImageMissing(image: string, message: string | undefined = `simulated pull failure for ${image}`): void {
    this.missingImages ??= new Map();
    if (message === undefined) this.missingImages.delete(image);
    else this.missingImages.set(image, message);
  }

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: 'simulated', runtimeVersion: '0.1.0' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = newId();
    const labels = {
      ...config.labels,
      [LABEL_NODE]: this.nodeName,
      [LABEL_TYPE]: 'sandbox',
      [LABEL_POD_NAME]: config.podName,
      [LABEL_POD_NAMESPACE]: config.namespace,
      [LABEL_POD_UID]: config.uid,
      [LABEL_ATTEMPT]: String(config.attempt),
    };
    const ip = config.hostNetwork ? undefined : this.allocateIp();
    this.sandboxes.set(id, { id, config, ready: true, ip, createdAt: this.clock(), labels });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) {
      if (c.sandboxId === id) this.stop(c);
    }
    sb.ready = false;
    this.releaseIp(sb);
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of [...this.containers.values()]) {
      if (c.sandboxId === id) this.remove(c);
    }
    this.releaseIp(sb);
    this.sandboxes.delete(id);
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map((sb) => this.sandboxStatus(sb));
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb && this.sandboxStatus(sb);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`pod sandbox ${sandboxId} not found`);
    if (this.missingImages?.has(config.image)) throw new Error(`No such image: ${config.image}`);
    const id = newId();
    const now = this.clock();
    const labels = {
      ...config.labels,
      [LABEL_NODE]: this.nodeName,
      [LABEL_TYPE]: 'container',
      [LABEL_POD_NAME]: sandbox.podName,
      [LABEL_POD_NAMESPACE]: sandbox.namespace,
      [LABEL_POD_UID]: sandbox.uid,
      [LABEL_CONTAINER_NAME]: config.name,
      [LABEL_ATTEMPT]: String(config.attempt),
    };
    this.containers.set(id, { id, sandboxId, config, sandbox, labels, state: 'created', createdAt: now, cpuNs: 0, cpuAt: now });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.state !== 'created') throw new Error(`container ${id} is ${c.state}, only a created container can be started`);
    const sb = this.sandboxes.get(c.sandboxId);
    if (!sb?.ready) throw new Error(`cannot start container ${id}: its pod sandbox ${c.sandboxId} is not running`);
    const now = this.clock();
    const plan = exitPlan(c.config.command, c.config.args);
    c.state = 'running';
    c.startedAt = now;
    c.cpuAt = now;
    if (plan.afterMs !== undefined) {
      c.exitAt = now + plan.afterMs;
      c.exitCode = plan.code;
      this.refresh(c);
    }
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.stop(c);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) this.remove(c);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const c of this.containers.values()) {
      if (filter.podUid !== undefined && c.sandbox.uid !== filter.podUid) continue;
      if (filter.sandboxId !== undefined && c.sandboxId !== filter.sandboxId) continue;
      this.refresh(c);
      if (filter.all === false && c.state !== 'running') continue;
      out.push(this.status(c));
    }
    return out;
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    if (!c) return undefined;
    this.refresh(c);
    return this.status(c);
  }

  async execSync(id: string, _cmd: string[], _timeoutMs: number): Promise<ExecResult> {
    const c = this.mustGetRunning(id);
    const r = this.execResult(c);
    return { exitCode: r.code, stdout: r.output?.stdout ?? '', stderr: r.output?.stderr ?? '', timedOut: false };
  }

  async exec(id: string, _cmd: string[], streams: StreamOptions): Promise<StreamSession> {
    const c = this.mustGetRunning(id);
    const r = this.execResult(c);
    streams.stdin?.resume();
    if (r.output?.stdout) streams.stdout?.write(r.output.stdout);
    if (r.output?.stderr) (streams.tty ? streams.stdout : streams.stderr)?.write(r.output.stderr);
    return { resize: async () => {}, exited: Promise.resolve(r.code), close: () => {} };
  }

  async attach(id: string, streams: StreamOptions): Promise<StreamSession> {
    const c = this.mustGet(id);
    streams.stdin?.resume();
    let finish!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (finish = resolve));
    // -1 when the session closes while the container still runs, as the Docker runtime answers
    const settle = (): void => finish(c.state === 'exited' ? (c.exitCode ?? 0) : -1);
    this.refresh(c);
    if (c.state === 'exited') {
      settle();
      return { resize: async () => {}, exited, close: () => {} };
    }
    const cancel = this.waitForExit(c, settle);
    return {
      resize: async () => {},
      exited,
      close: () => {
        cancel();
        settle();
      },
    };
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const c = this.mustGet(id);
    this.refresh(c);
    const now = this.clock();
    const since = opts.sinceSeconds !== undefined ? now - opts.sinceSeconds * 1000 : undefined;
    const format = (at: number, text: string): string =>
      opts.timestamps ? `${rfc3339Nano(at)} ${text}\n` : `${text}\n`;
    const lines = this.logLines(c).filter((l) => since === undefined || l.at >= since);
    const tail = opts.tailLines !== undefined ? lines.slice(Math.max(0, lines.length - opts.tailLines)) : lines;
    const out = new PassThrough();
    for (const l of tail) out.write(format(l.at, l.text));
    if (!opts.follow || c.state === 'exited') {
      out.end();
      return out;
    }
    const cancel = this.waitForExit(c, () => {
      if (out.writableEnded) return;
      if (c.state === 'exited' && c.finishedAt !== undefined) out.write(format(c.finishedAt, exitLine(c)));
      out.end();
    });
    out.on('close', cancel);
    return out;
  }

  async containerStats(): Promise<ContainerStats[]> {
    const now = this.clock();
    const out: ContainerStats[] = [];
    for (const c of this.containers.values()) {
      this.refresh(c);
      if (c.state !== 'running') continue;
      this.chargeCpu(c);
      const memory = this.usageFor(this.memoryBytes, c) ?? BASE_MEMORY_BYTES;
      out.push({
        containerId: c.id,
        podUid: c.sandbox.uid,
        name: c.config.name,
        timestamp: new Date(now),
        cpuUsageCoreNanoSeconds: BigInt(Math.round(c.cpuNs)),
        memoryWorkingSetBytes: memory,
        memoryUsageBytes: memory,
      });
    }
    return out;
  }

  async imageStatus(image: string): Promise<ImageStatus | undefined> {
    if (this.missingImages?.has(image)) return undefined;
    return { id: imageId(image), repoTags: [image], sizeBytes: 1024 * 1024 };
  }

  async pullImage(image: string): Promise<void> {
    const message = this.missingImages?.get(image);
    if (message !== undefined) throw new Error(message);
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) wakeWaiters(c);
  }

  private sandboxStatus(sb: SimSandbox): PodSandboxStatus {
    return {
      id: sb.id,
      podName: sb.config.podName,
      namespace: sb.config.namespace,
      uid: sb.config.uid,
      attempt: sb.config.attempt,
      state: sb.ready ? 'ready' : 'notready',
      ip: sb.config.hostNetwork ? (sb.ready ? this.nodeIP : undefined) : sb.ip,
      createdAt: new Date(sb.createdAt),
      labels: { ...sb.labels },
    };
  }

  private status(c: SimContainer): ContainerStatus {
    const exited = c.state === 'exited';
    return {
      id: c.id,
      sandboxId: c.sandboxId,
      podName: c.sandbox.podName,
      namespace: c.sandbox.namespace,
      podUid: c.sandbox.uid,
      name: c.config.name,
      attempt: c.config.attempt,
      image: c.config.image,
      imageId: imageId(c.config.image),
      state: c.state,
      createdAt: new Date(c.createdAt),
      startedAt: c.startedAt !== undefined ? new Date(c.startedAt) : undefined,
      finishedAt: exited && c.finishedAt !== undefined ? new Date(c.finishedAt) : undefined,
      exitCode: exited ? c.exitCode : undefined,
      reason: exited ? (c.exitCode === 0 ? 'Completed' : 'Error') : undefined,
      labels: { ...c.labels },
    };
  }

  /** Applies an exit that came due since the last look. */
  private refresh(c: SimContainer): void {
    if (c.state !== 'running' || c.exitAt === undefined) return;
    if (this.clock() < c.exitAt) return;
    this.chargeCpu(c, c.exitAt);
    c.state = 'exited';
    c.finishedAt = c.exitAt;
    c.exitAt = undefined;
    wakeWaiters(c);
  }

  /** As Docker: a created container stays created, a running one ends by SIGTERM. */
  private stop(c: SimContainer): void {
    this.refresh(c);
    if (c.state !== 'running') return;
    const now = this.clock();
    this.chargeCpu(c, now);
    c.state = 'exited';
    c.finishedAt = now;
    c.exitAt = undefined;
    c.exitCode = SIGTERM_EXIT;
    wakeWaiters(c);
  }

  private remove(c: SimContainer): void {
    this.stop(c);
    this.containers.delete(c.id);
    wakeWaiters(c);
  }

  /**
   * Calls `onExit` once the container exits or is removed; returns a cancel.
   * A stop or removal wakes waiters directly; an exit that only the clock
   * brings needs a timer, set only while someone waits.
   */
  private waitForExit(c: SimContainer, onExit: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      if (timer) clearTimeout(timer);
      c.waiters?.delete(waiter);
      if (c.waiters?.size === 0) c.waiters = undefined;
    };
    const waiter = (): void => {
      cancel();
      onExit();
    };
    (c.waiters ??= new Set()).add(waiter);
    if (c.exitAt !== undefined) {
      timer = setTimeout(() => this.refresh(c), Math.max(0, c.exitAt - this.clock()));
      timer.unref();
    }
    return cancel;
  }

  private chargeCpu(c: SimContainer, at = this.clock()): void {
    if (c.state === 'running' && at > c.cpuAt) {
      const milli = this.usageFor(this.milliCpu, c) ?? DEFAULT_MILLI_CPU;
      c.cpuNs += (at - c.cpuAt) * 1e6 * (milli / 1000);
    }
    c.cpuAt = Math.max(c.cpuAt, at);
  }

  private usageFor(m: Map<string, number> | undefined, c: SimContainer): number | undefined {
    return m?.get(c.id) ?? m?.get(c.config.name);
  }

  private execResult(c: SimContainer): { code: number; output?: SimulatedExecOutput } {
    return this.execResults?.get(c.id) ?? this.execResults?.get(c.config.name) ?? { code: 0 };
  }

  private logLines(c: SimContainer): { at: number; text: string }[] {
    if (c.startedAt === undefined) return [];
    const cmd = [...(c.config.command ?? []), ...(c.config.args ?? [])].join(' ');
    const lines = [
      { at: c.startedAt, text: `simulated container ${c.config.name} of pod ${c.sandbox.namespace}/${c.sandbox.podName} started` },
      { at: c.startedAt, text: `image ${c.config.image}${cmd ? `, command ${cmd}` : ''}` },
      { at: c.startedAt, text: `attempt ${c.config.attempt} on node ${this.nodeName}` },
    ];
    if (c.state === 'exited' && c.finishedAt !== undefined) lines.push({ at: c.finishedAt, text: exitLine(c) });
    return lines;
  }

  private mustGet(id: string): SimContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  private mustGetRunning(id: string): SimContainer {
    const c = this.mustGet(id);
    this.refresh(c);
    if (c.state !== 'running') throw new Error(`container ${id} is not running`);
    return c;
  }

  private allocateIp(): string {
    // skip the network address, the gateway (.1) and the broadcast address
    const usable = this.ipCount - 3;
    if (usable <= 0 || this.usedIps.size >= usable) throw new Error(`no free pod IP on node ${this.nodeName}`);
    for (;;) {
      const offset = 2 + (this.nextIp % usable);
      this.nextIp++;
      if (!this.usedIps.has(offset)) {
        this.usedIps.add(offset);
        return formatIp(this.ipBase + offset);
      }
    }
  }

  private releaseIp(sb: SimSandbox): void {
    if (sb.ip === undefined) return;
    this.usedIps.delete(parseIp(sb.ip) - this.ipBase);
    sb.ip = undefined;
  }
}

function wakeWaiters(c: SimContainer): void {
  if (c.waiters) for (const w of [...c.waiters]) w();
}

function exitLine(c: SimContainer): string {
  return `container ${c.config.name} exited with code ${c.exitCode ?? 0}`;
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

const imageIds = new Map<string, string>();

function imageId(image: string): string {
  let id = imageIds.get(image);
  if (id === undefined) {
    id = `sha256:${createHash('sha256').update(image).digest('hex')}`;
    imageIds.set(image, id);
  }
  return id;
}

/** Docker's timestamp format: RFC 3339 with nanoseconds. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`;
}

function parseIp(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
  }
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
    throw new Error(`invalid pod CIDR ${JSON.stringify(cidr)}: want an IPv4 range from /8 to /30`);
  }
  const size = 2 ** (32 - prefix);
  return { base: parseIp(ip) - (parseIp(ip) % size), size };
}

/** A /24 of the default cluster range, the same one every time for the same node name. */
function nodeSubnet(nodeName: string): { base: number; size: number } {
  const cluster = parseCidr(DEFAULT_CLUSTER_CIDR);
  const subnets = cluster.size / 256;
  const h = createHash('sha256').update(nodeName).digest().readUInt32BE(0);
  return { base: cluster.base + (h % subnets) * 256, size: 256 };
}
