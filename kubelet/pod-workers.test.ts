import { describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { PodWorkers, type PodRecord } from './pod-workers.js';

const pod = (uid: string, rv = '1'): Pod => ({ metadata: { name: uid, namespace: 'ns', uid, resourceVersion: rv }, spec: { containers: [] } });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PodWorkers', () => {
  it('never runs two syncs of one pod at once, and runs once more for a change that came mid-sync', async () => {
    let active = 0;
    let maxActive = 0;
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const workers = new PodWorkers({
      sync: async (rec: PodRecord) => {
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push(rec.pod.metadata.resourceVersion!);
        if (seen.length === 1) await gate;
        active--;
      },
      onError: () => {},
      now: Date.now,
      errorBackoff: { initialMs: 10, maxMs: 100 },
    });
    workers.update(pod('a', '1'));
    workers.update(pod('a', '2'));
    workers.update(pod('a', '3'));
    release();
    await tick();
    await workers.stop();
    expect(maxActive).toBe(1);
    // the updates during the first sync collapse into one more sync with the newest pod
    expect(seen).toEqual(['1', '3']);
  });

  it('runs different pods concurrently', async () => {
    let active = 0;
    let maxActive = 0;
    const workers = new PodWorkers({
      sync: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick();
        active--;
      },
      onError: () => {},
      now: Date.now,
      errorBackoff: { initialMs: 10, maxMs: 100 },
    });
    workers.update(pod('a'));
    workers.update(pod('b'));
    await workers.stop();
    expect(maxActive).toBe(2);
  });

  it('retries a failed sync after a growing delay, and honours due times only when dispatched', async () => {
    let now = 1_000;
    let calls = 0;
    const workers = new PodWorkers({
      sync: async () => {
        calls++;
        throw new Error('runtime down');
      },
      onError: () => {},
      now: () => now,
      errorBackoff: { initialMs: 100, maxMs: 400 },
    });
    const rec = workers.update(pod('a'));
    await tick();
    expect(calls).toBe(1);
    expect(rec.dueAt).toBe(1_100);
    workers.dispatchDue(1_099);
    await tick();
    expect(calls).toBe(1);
    now = 1_100;
    workers.dispatchDue(now);
    await tick();
    expect(calls).toBe(2);
    expect(rec.dueAt).toBe(1_300);
    await workers.stop();
  });

  it('marks a pod gone with the deletion details of its final state', () => {
    const workers = new PodWorkers({ sync: async () => {}, onError: () => {}, now: Date.now, errorBackoff: { initialMs: 1, maxMs: 1 } });
    workers.update(pod('a'));
    workers.markGone({ ...pod('a'), metadata: { ...pod('a').metadata, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 } });
    const rec = workers.get('a')!;
    expect(rec.gone).toBe(true);
    expect(rec.pod.metadata.deletionGracePeriodSeconds).toBe(0);
  });
});
