import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/core/v1.js';
import {
  rawResourceReplicas,
  resourceReplicas,
  type CalculatorOptions,
  type PodMetricsInfo,
} from './replica-calculator.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const opts: CalculatorOptions = {
  tolerances: { scaleDown: 0.1, scaleUp: 0.1 },
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
  now: () => NOW,
};

interface PodSpec {
  name: string;
  ready?: boolean;
  phase?: string;
  /** ms before NOW the pod started; 10 minutes by default (past the CPU initialization period) */
  startedAgoMs?: number;
  /** ms before NOW its readiness last changed; for an unready pod, by default just after it started (it never was ready) */
  readyAgoMs?: number;
  requests?: Record<string, string>;
  deleted?: boolean;
}

function pod(p: PodSpec): Pod {
  const startedAgo = p.startedAgoMs ?? 10 * 60_000;
  const started = NOW - startedAgo;
  const readySince = NOW - (p.readyAgoMs ?? (p.ready === false ? startedAgo - 10_000 : 9 * 60_000));
  return {
    metadata: { name: p.name, namespace: 'default', ...(p.deleted ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [{ name: 'app', image: 'x', resources: { requests: p.requests ?? { cpu: '1' } } }] },
    status: {
      phase: p.phase ?? 'Running',
      startTime: iso(started),
      conditions: [{ type: 'Ready', status: p.ready === false ? 'False' : 'True', lastTransitionTime: iso(readySince) }],
    },
  } as Pod;
}

/** Samples taken a moment ago over a 15 s window, in milli-units. */
function samples(values: Record<string, number>): PodMetricsInfo {
  return new Map(Object.entries(values).map(([name, value]) => [name, { value, timestampMs: NOW - 1000, windowMs: 15_000 }]));
}

describe('resource utilization (percent of requests)', () => {
  it('scales up to ceil(current × usage ratio)', () => {
    const pods = ['a', 'b', 'c'].map((name) => pod({ name }));
    const r = resourceReplicas(3, 30, 'cpu', '', pods, samples({ a: 300, b: 500, c: 700 }), opts);
    expect(r).toEqual({ replicas: 5, utilization: 50, rawAverage: 500 });
  });

  it('scales down by the same rule', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((name) => pod({ name }));
    const r = resourceReplicas(5, 50, 'cpu', '', pods, samples({ a: 100, b: 300, c: 500, d: 250, e: 250 }), opts);
    expect(r.replicas).toBe(3);
    expect(r.utilization).toBe(28);
  });

  it('keeps the count while the ratio is within the 10% tolerance, and acts just outside it', () => {
    const pods = ['a', 'b', 'c'].map((name) => pod({ name }));
    expect(resourceReplicas(3, 100, 'cpu', '', pods, samples({ a: 1010, b: 1030, c: 1020 }), opts).replicas).toBe(3);
    expect(resourceReplicas(3, 100, 'cpu', '', pods, samples({ a: 1100, b: 1100, c: 1100 }), opts).replicas).toBe(3);
    expect(resourceReplicas(3, 100, 'cpu', '', pods, samples({ a: 1110, b: 1110, c: 1110 }), opts).replicas).toBe(4);
    expect(resourceReplicas(3, 100, 'cpu', '', pods, samples({ a: 890, b: 890, c: 890 }), opts).replicas).toBe(3);
  });

  it('ignores unready pods on a scale-up by counting them as using nothing', () => {
    const pods = [pod({ name: 'a', ready: false }), pod({ name: 'b' }), pod({ name: 'c' })];
    // the two ready pods alone: 60% of 30% -> ceil(2 × 2) = 4; with the unready one at zero: 40% -> ceil(1.33 × 3) = 4
    const r = resourceReplicas(3, 30, 'cpu', '', pods, samples({ a: 300, b: 500, c: 700 }), opts);
    expect(r).toMatchObject({ replicas: 4, utilization: 60 });
    // pending pods count as unready too
    const pending = [pod({ name: 'a', phase: 'Pending' }), pod({ name: 'b' }), pod({ name: 'c' })];
    expect(resourceReplicas(3, 30, 'cpu', '', pending, samples({ b: 500, c: 700 }), opts).replicas).toBe(4);
  });

  it('leaves unready pods out of a scale-down altogether', () => {
    const pods = [pod({ name: 'a', ready: false }), pod({ name: 'b' }), pod({ name: 'c' }), pod({ name: 'd' })];
    // the ready three at 10% of a 50% target -> ceil(0.2 × 3) = 1
    expect(resourceReplicas(4, 50, 'cpu', '', pods, samples({ a: 900, b: 100, c: 100, d: 100 }), opts).replicas).toBe(1);
  });

  it('counts a pod that became ready less than a window before its sample as unready while it is starting', () => {
    const starting = pod({ name: 'a', startedAgoMs: 60_000, readyAgoMs: 5_000 });
    const pods = [starting, pod({ name: 'b' })];
    // a's burst (1000m) is left out: b alone at 20% of 50% would scale down, a unready blocks nothing there
    expect(resourceReplicas(2, 50, 'cpu', '', pods, samples({ a: 1000, b: 200 }), opts).replicas).toBe(1);
    // a pod ready a whole window before its sample counts: 60% of 50%
    const settled = pod({ name: 'a', startedAgoMs: 60_000, readyAgoMs: 30_000 });
    expect(resourceReplicas(2, 50, 'cpu', '', [settled, pod({ name: 'b' })], samples({ a: 1000, b: 200 }), opts).replicas).toBe(3);
  });

  it('counts a pod that was ready once and is unready now, after it started up', () => {
    const flapped = pod({ name: 'a', ready: false, readyAgoMs: 60_000 });
    expect(resourceReplicas(2, 50, 'cpu', '', [flapped, pod({ name: 'b' })], samples({ a: 1000, b: 1000 }), opts).replicas).toBe(4);
  });

  it('does not apply readiness to memory', () => {
    const pods = [pod({ name: 'a', ready: false, requests: { memory: '100Mi' } }), pod({ name: 'b', requests: { memory: '100Mi' } })];
    const mi = 1024 * 1024 * 1000;
    expect(resourceReplicas(2, 50, 'memory', '', pods, samples({ a: 100 * mi, b: 100 * mi }), opts).replicas).toBe(4);
  });

  it('assumes pods without metrics use their whole request on a scale-down', () => {
    const pods = ['a', 'b', 'c', 'd'].map((name) => pod({ name }));
    // without d: 10% of 50% -> 1 replica; d at 100% makes it 32% -> ceil(0.64 × 4) = 3
    expect(resourceReplicas(4, 50, 'cpu', '', pods, samples({ a: 100, b: 100, c: 100 }), opts).replicas).toBe(3);
  });

  it('keeps the count when pods without metrics, counted as using nothing, would turn a scale-up into a scale-down', () => {
    const pods = ['a', 'b', 'c', 'd'].map((name) => pod({ name }));
    // 70% of 60% would scale up; with d at zero it is 52%, below target: no change
    expect(resourceReplicas(4, 60, 'cpu', '', pods, samples({ a: 700, b: 700, c: 700 }), opts).replicas).toBe(4);
  });

  it('ignores deleted and failed pods', () => {
    const pods = [pod({ name: 'a', deleted: true }), pod({ name: 'b', phase: 'Failed' }), pod({ name: 'c' }), pod({ name: 'd' })];
    expect(resourceReplicas(2, 50, 'cpu', '', pods, samples({ a: 5000, b: 5000, c: 1000, d: 1000 }), opts).replicas).toBe(4);
  });

  it('fails in Kubernetes words without requests, pods or metrics', () => {
    const noRequest = [pod({ name: 'a', requests: { memory: '1Gi' } })];
    expect(() => resourceReplicas(1, 50, 'cpu', '', noRequest, samples({ a: 100 }), opts)).toThrow('missing request for cpu in container app of Pod a');
    expect(() => resourceReplicas(1, 50, 'cpu', '', [], samples({ a: 100 }), opts)).toThrow('no pods returned by selector while calculating replica count');
    expect(() => resourceReplicas(1, 50, 'cpu', '', [pod({ name: 'a', ready: false })], samples({ a: 100 }), opts)).toThrow(
      'did not receive metrics for targeted pods (pods might be unready)',
    );
  });

  it('sums the requests of one container only when a container is named', () => {
    const p = pod({ name: 'a' });
    p.spec!.containers.push({ name: 'sidecar', image: 'y', resources: { requests: { cpu: '3' } } } as NonNullable<Pod['spec']>['containers'][number]);
    // app alone: 500m of 1 = 50% of a 25% target -> 2 replicas; both containers would be 500m of 4 = 12%
    expect(resourceReplicas(1, 25, 'cpu', 'app', [p], samples({ a: 500 }), opts).replicas).toBe(2);
    expect(resourceReplicas(1, 25, 'cpu', '', [p], samples({ a: 500 }), opts).replicas).toBe(1);
  });
});

describe('average value per pod', () => {
  const mi = (n: number) => n * 1024 * 1024 * 1000;

  it('scales to ceil(current × average / target)', () => {
    const pods = ['a', 'b', 'c'].map((name) => pod({ name }));
    const r = rawResourceReplicas(3, mi(200), 'memory', pods, samples({ a: mi(300), b: mi(400), c: mi(500) }), opts);
    expect(r).toEqual({ replicas: 6, usage: mi(400) });
  });

  it('assumes pods without metrics use exactly the target on a scale-down', () => {
    const pods = ['a', 'b', 'c', 'd'].map((name) => pod({ name }));
    // without d: 50Mi average of 200Mi -> 1; with d at 200Mi: 87.5Mi -> ceil(0.4375 × 4) = 2
    expect(rawResourceReplicas(4, mi(200), 'memory', pods, samples({ a: mi(50), b: mi(50), c: mi(50) }), opts).replicas).toBe(2);
  });
});
