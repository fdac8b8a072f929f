import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/core/v1.js';
import type { ContainerRuntime, ContainerStats } from '../runtime/interface.js';
import { SummaryProvider } from './stats.js';

/** A runtime whose clock and CPU counters the test moves. */
class FakeStats {
  now = Date.parse('2026-01-01T00:00:00Z');
  cpu = new Map<string, bigint>();
  calls = 0;
  constructor(private readonly containers: { id: string; podUid: string; name: string; nanoCoresBusy: number }[]) {
    for (const c of containers) this.cpu.set(c.id, 5_000_000_000n);
  }
  /** moves time forward, each container burning CPU at its rate */
  advance(ms: number) {
    this.now += ms;
    for (const c of this.containers) this.cpu.set(c.id, this.cpu.get(c.id)! + BigInt(Math.round((c.nanoCoresBusy * ms) / 1000)));
  }
  async containerStats(): Promise<ContainerStats[]> {
    this.calls++;
    return this.containers.map((c) => ({
      containerId: c.id,
      podUid: c.podUid,
      name: c.name,
      timestamp: new Date(this.now),
      cpuUsageCoreNanoSeconds: this.cpu.get(c.id)!,
      memoryWorkingSetBytes: 1000,
      memoryUsageBytes: 2000,
    }));
  }
}

const pod = (name: string, uid: string) => ({ metadata: { name, namespace: 'ns', uid }, spec: { containers: [] } }) as unknown as Pod;

describe('stats summary', () => {
  it('computes CPU rates between two samples, waiting for a second one the first time', async () => {
    const rt = new FakeStats([
      { id: 'a', podUid: 'u1', name: 'busy', nanoCoresBusy: 1_000_000_000 },
      { id: 'b', podUid: 'u1', name: 'idle', nanoCoresBusy: 0 },
      { id: 'c', podUid: 'u2', name: 'half', nanoCoresBusy: 500_000_000 },
    ]);
    const provider = new SummaryProvider(rt as unknown as ContainerRuntime, 'node-1', () => [pod('p1', 'u1'), pod('p2', 'u2')], async (ms) => rt.advance(ms));
    const first = await provider.summary();
    expect(rt.calls).toBe(2);
    const p1 = first.pods.find((p) => p.podRef.name === 'p1')!;
    expect(p1.podRef).toEqual({ name: 'p1', namespace: 'ns', uid: 'u1' });
    expect(p1.containers.map((c) => [c.name, c.cpu.usageNanoCores])).toEqual([
      ['busy', 1_000_000_000],
      ['idle', 0],
    ]);
    expect(p1.cpu.usageNanoCores).toBe(1_000_000_000);
    expect(p1.memory).toMatchObject({ workingSetBytes: 2000, usageBytes: 4000 });
    expect(first.node.nodeName).toBe('node-1');
    expect(first.node.cpu.usageNanoCores).toBe(1_500_000_000);

    rt.advance(10_000);
    const later = await provider.summary();
    // a known container needs no extra sample
    expect(rt.calls).toBe(3);
    expect(later.pods.find((p) => p.podRef.name === 'p2')!.containers[0]!.cpu.usageNanoCores).toBe(500_000_000);
  });

  it('leaves out containers of pods not bound to this node', async () => {
    const rt = new FakeStats([{ id: 'x', podUid: 'gone', name: 'app', nanoCoresBusy: 1 }]);
    const provider = new SummaryProvider(rt as unknown as ContainerRuntime, 'n', () => [], async (ms) => rt.advance(ms));
    expect((await provider.summary()).pods).toEqual([]);
  });
});
