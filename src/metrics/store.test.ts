import { describe, expect, it } from 'vitest';
import { MetricsStore, sampleTime, usageBetween } from './store.js';
import type { Summary } from './summary.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A summary at time t: node and container counters as given (core-nanoseconds), stamped with millisecond precision. */
function summary(t: number, node: number, containers: Record<string, Record<string, number>>, extra: Partial<Summary> = {}): Summary {
  return {
    node: { nodeName: 'n1', cpu: { time: iso(t), usageCoreNanoSeconds: node }, memory: { time: iso(t), workingSetBytes: 1 << 30 } },
    pods: Object.entries(containers).map(([pod, cs]) => ({
      podRef: { name: pod, namespace: 'default', uid: `uid-${pod}` },
      containers: Object.entries(cs).map(([name, cpu]) => ({
        name,
        cpu: { time: iso(t), usageCoreNanoSeconds: cpu },
        memory: { time: iso(t), workingSetBytes: 64 * 1024 * 1024 },
      })),
    })),
    ...extra,
  };
}

describe('usage between two cumulative samples', () => {
  it('is the CPU time used over the time between them, in nanocores', () => {
    const u = usageBetween(
      { timestampMs: T0, cpuCoreNanoSeconds: 1_000_000_000, memoryWorkingSetBytes: 1 },
      { timestampMs: T0 + 15_000, cpuCoreNanoSeconds: 4_750_000_000, memoryWorkingSetBytes: 2 },
    );
    expect(u).toEqual({ timestampMs: T0 + 15_000, windowMs: 15_000, nanoCores: 250_000_000, memoryBytes: 2 });
  });

  it('gives nothing when the counter went back (the container restarted) or no time passed', () => {
    const a = { timestampMs: T0, cpuCoreNanoSeconds: 5e9, memoryWorkingSetBytes: 1 };
    expect(usageBetween(a, { ...a, timestampMs: T0 + 1000, cpuCoreNanoSeconds: 1e9 })).toBeUndefined();
    expect(usageBetween(a, { ...a })).toBeUndefined();
    expect(usageBetween({ ...a, startTimeMs: T0 - 5000 }, { ...a, timestampMs: T0 + 1000, cpuCoreNanoSeconds: 6e9, startTimeMs: T0 + 500 })).toBeUndefined();
  });

  it('uses a sample stamp with sub-second precision, and the arrival time for whole-second stamps', () => {
    expect(sampleTime('2024-05-01T12:00:00.250Z', T0 + 900)).toBe(T0 + 250);
    expect(sampleTime('2024-05-01T12:00:00Z', T0 + 900)).toBe(T0 + 900);
    expect(sampleTime(undefined, T0 + 900)).toBe(T0 + 900);
  });
});

describe('metrics store', () => {
  it('has usage for a node and its pods from the second scrape on', () => {
    const s = new MetricsStore();
    s.record('n1', summary(T0, 10e9, { web: { app: 1e9, sidecar: 2e9 } }), T0);
    expect(s.nodeUsage('n1')).toBeUndefined();
    expect(s.podUsage('default', 'web')).toBeUndefined();
    s.record('n1', summary(T0 + 10_000, 25e9, { web: { app: 6e9, sidecar: 2.5e9 } }), T0 + 10_000);
    expect(s.nodeUsage('n1')).toMatchObject({ nanoCores: 1_500_000_000, windowMs: 10_000, memoryBytes: 1 << 30 });
    expect(s.podUsage('default', 'web')).toEqual({
      namespace: 'default',
      name: 'web',
      timestampMs: T0 + 10_000,
      windowMs: 10_000,
      containers: [
        { name: 'app', nanoCores: 500_000_000, memoryBytes: 64 * 1024 * 1024 },
        { name: 'sidecar', nanoCores: 50_000_000, memoryBytes: 64 * 1024 * 1024 },
      ],
    });
  });

  it('leaves a pod out until every container has a rate', () => {
    const s = new MetricsStore();
    s.record('n1', summary(T0, 1, { web: { app: 1e9 } }), T0);
    s.record('n1', summary(T0 + 1000, 2, { web: { app: 2e9, late: 1e9 } }), T0 + 1000);
    expect(s.podUsage('default', 'web')).toBeUndefined();
    s.record('n1', summary(T0 + 2000, 3, { web: { app: 3e9, late: 1.5e9 } }), T0 + 2000);
    expect(s.podUsage('default', 'web')?.containers.map((c) => c.nanoCores)).toEqual([1e9, 5e8]);
  });

  it('drops pods a node no longer reports, and everything of a node it forgets', () => {
    const s = new MetricsStore();
    s.record('n1', summary(T0, 1, { a: { c: 1 }, b: { c: 1 } }), T0);
    s.record('n1', summary(T0 + 1000, 2, { a: { c: 2 }, b: { c: 2 } }), T0 + 1000);
    s.record('n1', summary(T0 + 2000, 3, { a: { c: 3 } }), T0 + 2000);
    expect(s.podUsage('default', 'a')).toBeDefined();
    expect(s.podUsage('default', 'b')).toBeUndefined();
    s.forget('n1');
    expect(s.nodeUsage('n1')).toBeUndefined();
    expect(s.podUsage('default', 'a')).toBeUndefined();
    expect(s.nodeNames()).toEqual([]);
  });

  it('starts a recreated pod (new uid, same name) from scratch', () => {
    const s = new MetricsStore();
    s.record('n1', summary(T0, 1, { a: { c: 1e9 } }), T0);
    s.record('n1', summary(T0 + 1000, 2, { a: { c: 2e9 } }), T0 + 1000);
    const recreated = summary(T0 + 2000, 3, { a: { c: 5e6 } });
    recreated.pods[0]!.podRef.uid = 'another';
    s.record('n1', recreated, T0 + 2000);
    expect(s.podUsage('default', 'a')).toBeUndefined();
  });
});
