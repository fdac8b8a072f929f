import { describe, expect, it } from 'vitest';
import type { Summary as KubeletSummary } from '../../kubelet/server/stats.js';
import { MetricsStore } from './store.js';
import { parseSummary } from './summary.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What Skiff's kubelet serves: whole-second stamps, a usageNanoCores the metrics server does not rely on. */
function kubeletSummary(t: number, cpuNs: number): KubeletSummary {
  const cpu = { time: iso(t), usageNanoCores: 1, usageCoreNanoSeconds: cpuNs };
  const memory = { time: iso(t), usageBytes: 2 * 1024 * 1024, workingSetBytes: 1024 * 1024 };
  return {
    node: { nodeName: 'n1', startTime: iso(T0 - 3_600_000), cpu, memory },
    pods: [{ podRef: { name: 'web', namespace: 'default', uid: 'u1' }, startTime: iso(T0 - 60_000), containers: [{ name: 'app', cpu, memory }], cpu, memory }],
  };
}

describe('kubelet summary', () => {
  it("reads Skiff's kubelet Summary, timing its whole-second samples by their arrival", () => {
    const store = new MetricsStore();
    store.record('n1', parseSummary(JSON.parse(JSON.stringify(kubeletSummary(T0, 1e9)))), T0 + 400);
    store.record('n1', parseSummary(JSON.parse(JSON.stringify(kubeletSummary(T0 + 15_000, 4e9)))), T0 + 15_400);
    expect(store.podUsage('default', 'web')?.containers).toEqual([{ name: 'app', nanoCores: 200_000_000, memoryBytes: 1024 * 1024 }]);
    expect(store.nodeUsage('n1')).toMatchObject({ nanoCores: 200_000_000, windowMs: 15_000 });
  });

  it('refuses what is not a summary, saying where', () => {
    expect(() => parseSummary({ pods: [] })).toThrow(/^not a kubelet summary: node/);
    expect(() => parseSummary({ node: {}, pods: [{ podRef: { name: 1 } }] })).toThrow(/pods\.0\.podRef/);
  });
});
