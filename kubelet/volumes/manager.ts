// The kubelet's volume manager: each pod's volumes live under
// <rootDir>/<podUid>/volumes/<plugin>/<name>, laid out as Kubernetes' kubelet
// lays them out, and containers get bind mounts of those directories.
import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import type { Container, Pod, Volume } from '../../src/api/core/v1.js';
import { goQuote } from '../../src/machinery/goformat.js';
import { parseQuantity } from '../../src/machinery/quantity.js';
import { ContainerConfigError, expandVariables, type ObjectSource } from '../env.js';
import type { Mount } from '../runtime/interface.js';
import { DATA_DIR, writeAtomic } from './atomic-writer.js';
import { checkHostPathType } from './host-path.js';
import { volumePayload } from './payload.js';

/** Plugin directory names, as Kubernetes escapes `kubernetes.io/empty-dir` and friends. */
const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

/** Volumes whose contents the kubelet writes: always mounted read-only into containers. */
const PROJECTED_KINDS = ['configMap', 'secret', 'downwardAPI', 'projected'] as const;

const MEMORY_MEDIUM = 'Memory';

/**
 * A volume could not be set up: the pod's containers wait (ContainerCreating)
 * and the kubelet records a FailedMount event with this message.
 */
export class VolumeSetUpError extends ContainerConfigError {
  override readonly reason: string = 'ContainerCreating';
  readonly eventReason = 'FailedMount';

  constructor(
    readonly volumeName: string,
    /** the plugin's own message, e.g. `configmap "cfg" not found` */
    readonly detail: string,
    /** every volume that failed in the same attempt, this one first */
    readonly failures: { volumeName: string; detail: string }[] = [{ volumeName, detail }],
  ) {
    super(`MountVolume.SetUp failed for volume ${goQuote(volumeName)} : ${detail}`);
    this.name = 'VolumeSetUpError';
  }
}

export interface VolumeManagerOptions {
  /** where pod directories live, e.g. <kubelet root>/pods */
  rootDir: string;
  source: ObjectSource;
  nodeName: string;
  log?: Logger;
  /** the node's allocatable resources, for downwardAPI resourceFieldRef without a limit */
  allocatable?: () => Record<string, string> | undefined;
}

function projectedKind(volume: Volume): (typeof PROJECTED_KINDS)[number] | undefined {
  return PROJECTED_KINDS.find((k) => volume[k] !== undefined);
}

function isMemoryEmptyDir(volume: Volume): boolean {
  return volume.emptyDir?.medium === MEMORY_MEDIUM;
}

/**
 * calculateEmptyDirMemorySize: the volume's sizeLimit, else the pod's memory
 * limit when every container has one; undefined leaves the kernel's default.
 */
function memoryEmptyDirSize(pod: Pod, volume: Volume): number | undefined {
  const limit = volume.emptyDir?.sizeLimit;
  if (limit !== undefined) {
    const bytes = parseQuantity(limit).value();
    if (bytes > 0) return bytes;
  }
  const containers = pod.spec.containers;
  if (containers.length === 0 || containers.some((c) => c.resources?.limits?.memory === undefined)) return undefined;
  return containers.reduce((sum, c) => sum + parseQuantity(c.resources!.limits!.memory!).value(), 0);
}

function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export class VolumeManager {
  readonly nodeName: string;
  private readonly rootDir: string;
  private readonly source: ObjectSource;
  private readonly log?: Logger;
  private readonly allocatable: () => Record<string, string> | undefined;
  /** one writer per volume directory at a time: setUp and refresh may overlap */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** projected sources already reported as skipped, so a resync does not repeat it */
  private readonly skippedReported = new Set<string>();

  constructor(opts: VolumeManagerOptions) {
    this.rootDir = opts.rootDir;
    this.source = opts.source;
    this.nodeName = opts.nodeName;
    this.log = opts.log;
    this.allocatable = opts.allocatable ?? (() => undefined);
  }

  private podDir(podUid: string): string {
    if (!podUid || podUid.includes('/') || podUid === '.' || podUid === '..') throw new Error(`invalid pod uid ${goQuote(podUid)}`);
    return join(this.rootDir, podUid);
  }

  /** The host directory of a volume; undefined for hostPath (the path itself) and memory emptyDirs (a tmpfs). */
  volumeDir(pod: Pod, volume: Volume): string | undefined {
    const uid = pod.metadata.uid ?? '';
    if (volume.emptyDir) return isMemoryEmptyDir(volume) ? undefined : join(this.podDir(uid), 'volumes', PLUGIN_DIRS.emptyDir, volume.name);
    const kind = projectedKind(volume);
    return kind ? join(this.podDir(uid), 'volumes', PLUGIN_DIRS[kind], volume.name) : undefined;
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  private payloadContext(pod: Pod, volume: Volume) {
    const uid = pod.metadata.uid ?? '';
    return {
      pod,
      source: this.source,
      allocatable: this.allocatable(),
      onSkippedSource: (kind: string) => {
        const key = `${uid}/${volume.name}/${kind}`;
        if (this.skippedReported.has(key)) return;
        this.skippedReported.add(key);
        this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: volume.name, source: kind }, 'projected volume source is not provided by this kubelet; its files are left out');
      },
    };
  }

  /**
   * Creates (or brings up to date) every volume of the pod. Idempotent, so the
   * kubelet calls it on each sync. All volumes are attempted; the first
   * failure is thrown as a VolumeSetUpError listing them all. The pod IP is
   * not needed by any volume type (downwardAPI volumes cannot expose it).
   */
  async setUp(pod: Pod, _podIP?: string): Promise<void> {
    const podDir = this.podDir(pod.metadata.uid ?? '');
    await mkdir(join(podDir, 'volumes'), { recursive: true, mode: 0o750 });
    const failures: { volumeName: string; detail: string }[] = [];
    for (const volume of pod.spec.volumes ?? []) {
      try {
        await this.setUpVolume(pod, volume);
      } catch (e) {
        failures.push({ volumeName: volume.name, detail: e instanceof Error ? e.message : String(e) });
      }
    }
    if (failures.length > 0) throw new VolumeSetUpError(failures[0]!.volumeName, failures[0]!.detail, failures);
  }

  private async setUpVolume(pod: Pod, volume: Volume): Promise<void> {
    if (volume.emptyDir) {
      const dir = this.volumeDir(pod, volume);
      if (dir === undefined) return;
      await mkdir(dir, { recursive: true });
      // Any user the container runs as may write here, as in Kubernetes (umask would narrow mkdir's mode).
      await chmod(dir, 0o777);
      return;
    }
    if (volume.hostPath) {
      await checkHostPathType(volume.hostPath.path, volume.hostPath.type);
      return;
    }
    const dir = this.volumeDir(pod, volume);
    if (dir !== undefined) {
      const payload = await volumePayload(volume, this.payloadContext(pod, volume));
      if (payload) await this.withLock(dir, () => writeAtomic(dir, payload));
      return;
    }
    const kind = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
    throw new Error(`volume type ${kind} is not supported by this kubelet`);
  }

  /**
   * Rewrites configMap, secret, downwardAPI and projected volumes whose
   * source changed; returns whether any file changed. A volume not set up yet
   * is left to setUp, and one whose source is now missing keeps its last
   * contents, as in Kubernetes.
   */
  async refresh(pod: Pod): Promise<boolean> {
    let changed = false;
    for (const volume of pod.spec.volumes ?? []) {
      if (!projectedKind(volume)) continue;
      const dir = this.volumeDir(pod, volume)!;
      if (!existsSync(join(dir, DATA_DIR))) continue;
      try {
        const payload = await volumePayload(volume, this.payloadContext(pod, volume));
        if (payload && (await this.withLock(dir, () => writeAtomic(dir, payload)))) changed = true;
      } catch (e) {
        this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: volume.name, err: e }, 'volume contents not refreshed');
      }
    }
    return changed;
  }

  /**
   * The container's volumeMounts as runtime mounts. A subPath directory is
   * created on demand; symlinks in it are resolved so the container sees the
   * current file, and a subPath that leads out of its volume is refused.
   * `env` serves subPathExpr, which expands $(VAR) against the container's
   * environment.
   */
  mountsFor(pod: Pod, container: Container, env: { name: string; value: string }[] = []): Mount[] {
    const mounts: Mount[] = [];
    const vars = new Map(env.map((e) => [e.name, e.value]));
    for (const vm of container.volumeMounts ?? []) {
      const volume = (pod.spec.volumes ?? []).find((v) => v.name === vm.name);
      if (!volume) throw new Error(`cannot find volume ${goQuote(vm.name)} to mount into container ${goQuote(container.name)}`);
      const readOnly = (vm.readOnly ?? false) || projectedKind(volume) !== undefined;
      const subPath = vm.subPathExpr ? expandVariables(vm.subPathExpr, (n) => vars.get(n)) : (vm.subPath ?? '');

      if (isMemoryEmptyDir(volume)) {
        if (subPath) throw new Error(`subPath is not supported on memory-backed emptyDir volume ${goQuote(vm.name)}`);
        const sizeBytes = memoryEmptyDirSize(pod, volume);
        mounts.push({ hostPath: '', containerPath: vm.mountPath, readOnly, tmpfs: sizeBytes === undefined ? {} : { sizeBytes } });
        continue;
      }

      const base = volume.hostPath ? volume.hostPath.path : this.volumeDir(pod, volume);
      if (base === undefined) throw new Error(`volume ${goQuote(vm.name)} cannot be mounted: its type is not supported by this kubelet`);
      if (!subPath) {
        mounts.push({ hostPath: base, containerPath: vm.mountPath, readOnly });
        continue;
      }
      mounts.push({ hostPath: this.subPathOf(base, subPath, vm.name, container.name), containerPath: vm.mountPath, readOnly });
    }
    return mounts;
  }

  private subPathOf(base: string, subPath: string, mountName: string, containerName: string): string {
    if (isAbsolute(subPath) || subPath.split('/').includes('..')) {
      throw new Error(`unable to provision SubPath \`${subPath}\`: must be a relative path without '..'`);
    }
    const root = realpathSync(base);
    const escaped = (p: string): Error => new Error(`subpath ${goQuote(p)} not within volume path ${goQuote(root + sep)}`);
    // New directories take the volume's mode, so a world-writable emptyDir stays usable (SafeMakeDir);
    // chmod because the process umask would narrow mkdir's mode. Each existing step is resolved first,
    // so a symlink cannot make the kubelet create directories outside the volume.
    const mode = statSync(root).mode & 0o7777;
    let dir = root;
    for (const part of posix.normalize(subPath).split('/')) {
      const next = join(dir, part);
      if (existsSync(next)) {
        dir = realpathSync(next);
        if (!isWithin(root, dir)) throw escaped(dir);
        continue;
      }
      try {
        mkdirSync(next);
        chmodSync(next, mode);
      } catch {
        throw new Error(`failed to create subPath directory for volumeMount ${goQuote(mountName)} of container ${goQuote(containerName)}`);
      }
      dir = next;
    }
    return dir;
  }

  /** Removes everything the kubelet keeps for the pod. */
  async tearDown(podUid: string): Promise<void> {
    const dir = this.podDir(podUid);
    await rm(dir, { recursive: true, force: true });
    for (const key of this.skippedReported) if (key.startsWith(`${podUid}/`)) this.skippedReported.delete(key);
  }

  /** The uids of pods with a directory here (to find orphans after a restart). */
  async listPodDirs(): Promise<string[]> {
    try {
      const entries = await readdir(this.rootDir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}
