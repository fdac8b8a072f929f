import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupStatsReader } from './docker-stats.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakeRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'skiff-cgroup-'));
  dirs.push(d);
  return d;
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

describe('CgroupStatsReader', () => {
  it('reads cgroup v1 (cgroupfs driver): cumulative CPU and working set = usage - inactive file', async () => {
    const root = fakeRoot();
    write(join(root, 'cpuacct/docker/abc/cpuacct.usage'), '123456789\n');
    write(join(root, 'memory/docker/abc/memory.usage_in_bytes'), '10485760\n');
    write(join(root, 'memory/docker/abc/memory.stat'), 'cache 100\ninactive_file 7\ntotal_inactive_file 4194304\n');
    const usage = await new CgroupStatsReader(root).read('abc');
    expect(usage).toEqual({ cpuNs: 123456789n, usageBytes: 10485760, workingSetBytes: 6291456 });
  });

  it('reads cgroup v2 under the systemd driver', async () => {
    const root = fakeRoot();
    const dir = join(root, 'system.slice/docker-def.scope');
    write(join(dir, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\n');
    write(join(dir, 'memory.current'), '5000\n');
    write(join(dir, 'memory.stat'), 'anon 10\ninactive_file 1000\n');
    expect(await new CgroupStatsReader(root).read('def')).toEqual({ cpuNs: 2_500_000n, usageBytes: 5000, workingSetBytes: 4000 });
  });

  it('answers undefined for a container it cannot see, and still finds the layout later', async () => {
    const root = fakeRoot();
    const reader = new CgroupStatsReader(root);
    expect(await reader.read('gone')).toBeUndefined();
    write(join(root, 'cpuacct/docker/new/cpuacct.usage'), '1\n');
    write(join(root, 'memory/docker/new/memory.usage_in_bytes'), '2\n');
    write(join(root, 'memory/docker/new/memory.stat'), 'total_inactive_file 0\n');
    expect((await reader.read('new'))?.cpuNs).toBe(1n);
  });
});
