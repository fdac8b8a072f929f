import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/api/core/v1.js';
import { microTimeAfter, NodeHealthTracker } from './health.js';
import { matchingTolerations } from '../../src/machinery/taints.js';
import { minTolerationMs, noScheduleTaintDiff, swapTaints } from './taints.js';
import { computeZoneState, RateLimitedTimedQueue, zoneQps } from './zones.js';

const t0 = Date.parse('2024-05-01T10:00:00Z');

function node(ready: string | undefined, heartbeat = '2024-05-01T09:59:00Z'): Node {
  return {
    metadata: { name: 'n1', creationTimestamp: '2024-05-01T09:00:00Z' },
    spec: {},
    status: {
      conditions: [
        ...(ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: heartbeat, lastTransitionTime: '2024-05-01T09:00:10Z', reason: 'KubeletReady' }] : []),
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: '2024-05-01T09:00:10Z' },
      ],
    },
  };
}
const lease = (renewTime: string) => ({ spec: { renewTime } });

describe('node health', () => {
  const tracker = () => new NodeHealthTracker({ gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 });

  it('keeps a node healthy while its lease is renewed, and turns its conditions Unknown once the grace period passes without news', () => {
    const h = tracker();
    expect(h.observe(node('True'), lease('2024-05-01T10:00:00.000001Z'), t0).statusUpdate).toBeUndefined();
    // The lease renewed at +30 s restarts the grace period from that sighting.
    expect(h.observe(node('True'), lease('2024-05-01T10:00:30.000001Z'), t0 + 30_000).deadline).toBe(t0 + 70_000);
    expect(h.observe(node('True'), lease('2024-05-01T10:00:30.000001Z'), t0 + 69_000).statusUpdate).toBeUndefined();
    const v = h.observe(node('True'), lease('2024-05-01T10:00:30.000001Z'), t0 + 71_000);
    expect(v.observedReady.status).toBe('True');
    expect(v.currentReady).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: '2024-05-01T09:59:00Z',
      lastTransitionTime: '2024-05-01T10:01:11Z',
    });
    const conds = v.statusUpdate!.status!.conditions!;
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(conds.find((c) => c.type === type)?.status).toBe('Unknown');
    }
    expect(conds.find((c) => c.type === 'DiskPressure')).toMatchObject({ reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  });

  it('writes nothing again for a node already Unknown, and counts it alive again when it is heard from', () => {
    const h = tracker();
    h.observe(node('True'), lease('2024-05-01T10:00:00Z'), t0);
    const v = h.observe(node('True'), lease('2024-05-01T10:00:00Z'), t0 + 41_000);
    h.statusWritten(v.statusUpdate!, t0 + 41_000);
    expect(h.observe(v.statusUpdate!, lease('2024-05-01T10:00:00Z'), t0 + 50_000).statusUpdate).toBeUndefined();
    const back = h.observe(node('True', '2024-05-01T10:00:55Z'), lease('2024-05-01T10:00:55Z'), t0 + 55_000);
    expect(back.statusUpdate).toBeUndefined();
    expect(back.currentReady?.status).toBe('True');
    expect(back.deadline).toBe(t0 + 95_000);
  });

  it('gives a node that never posted a Ready condition the startup grace period from its creation', () => {
    const h = tracker();
    const created = Date.parse('2024-05-01T09:00:00Z');
    expect(h.observe(node(undefined), undefined, created + 59_000).statusUpdate).toBeUndefined();
    const v = h.observe(node(undefined), undefined, created + 61_000);
    expect(v.statusUpdate!.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });

  it('orders lease renew times to the microsecond', () => {
    expect(microTimeAfter('2024-05-01T10:00:00.000002Z', '2024-05-01T10:00:00.000001Z')).toBe(true);
    expect(microTimeAfter('2024-05-01T10:00:00.000001Z', '2024-05-01T10:00:00.000001Z')).toBe(false);
    expect(microTimeAfter('2024-05-01T10:00:01Z', '2024-05-01T10:00:00.999999Z')).toBe(true);
  });
});

describe('taints and tolerations', () => {
  it('swaps the NoExecute taints, stamping the one added', () => {
    const taints = [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    expect(swapTaints(taints, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], '2024-05-01T10:00:00Z')).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-05-01T10:00:00Z' },
    ]);
    expect(swapTaints(taints, [], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], 'x')).toBeUndefined();
  });

  it('mirrors conditions and cordon as NoSchedule taints', () => {
    const n: Node = {
      metadata: { name: 'n' },
      spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }, { type: 'MemoryPressure', status: 'False' }] },
    };
    expect(noScheduleTaintDiff(n)).toEqual({
      add: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
      remove: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }],
    });
  });

  it('tolerates for the shortest tolerationSeconds of the tolerations used, for ever when none is limited', () => {
    const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'x', effect: 'NoExecute' }];
    const some = matchingTolerations(taints, [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { operator: 'Exists', tolerationSeconds: 20 },
    ]);
    expect(some.all).toBe(true);
    expect(minTolerationMs(some.used)).toBe(20_000);
    expect(matchingTolerations(taints, [{ key: 'x', operator: 'Exists' }]).all).toBe(false);
    expect(minTolerationMs(matchingTolerations(taints, [{ operator: 'Exists' }]).used)).toBe(-1);
    expect(minTolerationMs([{ operator: 'Exists', tolerationSeconds: -5 }])).toBe(0);
  });
});

describe('zone rate limiting', () => {
  it('judges a zone by how many of its nodes are down', () => {
    const c = (status: string) => ({ type: 'Ready', status });
    expect(computeZoneState([c('True'), c('Unknown')], 0.55).state).toBe('Normal');
    expect(computeZoneState([c('Unknown'), c('False')], 0.55).state).toBe('FullDisruption');
    expect(computeZoneState([c('True'), c('Unknown'), c('Unknown'), c('Unknown')], 0.55).state).toBe('PartialDisruption');
    const rates = { normalQps: 0.1, secondaryQps: 0.01, largeClusterThreshold: 50 };
    expect(zoneQps('PartialDisruption', 10, rates)).toBe(0);
    expect(zoneQps('PartialDisruption', 60, rates)).toBe(0.01);
    expect(zoneQps('Normal', 10, rates)).toBe(0.1);
  });

  it('hands out one node at once and the next only when the rate allows, each node once', () => {
    const q = new RateLimitedTimedQueue(0.1, t0);
    expect(q.add('a', 'ua', t0)).toBe(true);
    expect(q.add('b', 'ub', t0)).toBe(true);
    expect(q.add('a', 'ua', t0)).toBe(false);
    expect(q.takeDue(t0).map((i) => i.value)).toEqual(['a']);
    expect(q.takeDue(t0 + 5_000)).toEqual([]);
    expect(q.nextWake(t0 + 5_000)).toBe(t0 + 10_000);
    const [b] = q.takeDue(t0 + 10_000);
    expect(b?.value).toBe('b');
    q.done(b!, false, 50, t0 + 10_000);
    expect(q.nextWake(t0 + 10_000)).toBe(t0 + 20_000);
    // Processed nodes stay known until removed.
    expect(q.add('a', 'ua', t0 + 30_000)).toBe(false);
    q.remove('a');
    expect(q.add('a', 'ua', t0 + 30_000)).toBe(true);
    q.limiter.swap(0, t0 + 30_000);
    expect(q.takeDue(t0 + 100_000)).toEqual([]);
    expect(q.nextWake(t0 + 100_000)).toBeUndefined();
  });
});
