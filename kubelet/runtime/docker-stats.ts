// Container CPU and memory read straight from the cgroup filesystem: Docker's
// own stats endpoint samples for about a second per container, far too slow
// for a node's worth of containers on every metrics scrape. Covers cgroup v1
// and v2 under both of Docker's cgroup drivers; when none of the layouts is
// visible (a kubelet in a container without /sys/fs/cgroup), the caller falls
// back to the API.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupUsage {
  cpuNs: bigint;
  usageBytes: number;
  /** usage less inactive file cache: what the kernel cannot simply drop, as cAdvisor counts it */
  workingSetBytes: number;
}

type Layout =
  | { kind: 'v1'; cpuacct: string; memory: string; dir: (id: string) => string }
  | { kind: 'v2'; dir: (id: string) => string };

/** where a container's cgroup sits below a hierarchy's root: Docker's cgroupfs driver, then its systemd driver */
const CONTAINER_DIRS = [(id: string) => `docker/${id}`, (id: string) => `system.slice/docker-${id}.scope`];

export class CgroupStatsReader {
  private layout: Layout | undefined;

  constructor(private readonly root = '/sys/fs/cgroup') {}

  /** The usage of a running container, or undefined when its cgroup cannot be read here. */
  async read(containerId: string): Promise<CgroupUsage | undefined> {
    // only a found layout is kept: a container that just exited must not hide it for good
    this.layout ??= await this.detect(containerId);
    const layout = this.layout;
    if (!layout) return undefined;
    try {
      return layout.kind === 'v1' ? await this.readV1(layout, containerId) : await this.readV2(layout, containerId);
    } catch {
      // the container ended between listing and reading
      return undefined;
    }
  }

  private async readV1(layout: Extract<Layout, { kind: 'v1' }>, id: string): Promise<CgroupUsage> {
    const rel = layout.dir(id);
    const [cpu, usage, memStat] = await Promise.all([
      readFile(join(layout.cpuacct, rel, 'cpuacct.usage'), 'utf8'),
      readFile(join(layout.memory, rel, 'memory.usage_in_bytes'), 'utf8'),
      readFile(join(layout.memory, rel, 'memory.stat'), 'utf8'),
    ]);
    const usageBytes = Number(usage.trim());
    const inactive = statField(memStat, 'total_inactive_file') ?? statField(memStat, 'inactive_file') ?? 0;
    return { cpuNs: BigInt(cpu.trim()), usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive) };
  }

  private async readV2(layout: Extract<Layout, { kind: 'v2' }>, id: string): Promise<CgroupUsage> {
    const dir = layout.dir(id);
    const [cpuStat, current, memStat] = await Promise.all([
      readFile(join(dir, 'cpu.stat'), 'utf8'),
      readFile(join(dir, 'memory.current'), 'utf8'),
      readFile(join(dir, 'memory.stat'), 'utf8'),
    ]);
    const usageBytes = Number(current.trim());
    const inactive = statField(memStat, 'inactive_file') ?? 0;
    const usec = statField(cpuStat, 'usage_usec') ?? 0;
    return { cpuNs: BigInt(usec) * 1000n, usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive) };
  }

  private async detect(id: string): Promise<Layout | undefined> {
    const cpuacct = join(this.root, 'cpuacct');
    const memory = join(this.root, 'memory');
    for (const dir of CONTAINER_DIRS) {
      if (await exists(join(cpuacct, dir(id), 'cpuacct.usage'))) return { kind: 'v1', cpuacct, memory, dir };
    }
    for (const rel of CONTAINER_DIRS) {
      const dir = (cid: string): string => join(this.root, rel(cid));
      if (await exists(join(dir(id), 'cpu.stat'))) return { kind: 'v2', dir };
    }
    return undefined;
  }
}

function statField(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
