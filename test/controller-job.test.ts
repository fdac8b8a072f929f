// The Job controller (and TTL-after-finished with the garbage collector) in a
// controller-manager against a real apiserver on a real etcd, with a test
// kubelet running pods to success or failure: completions and parallelism,
// backoffLimit, activeDeadlineSeconds, Indexed completion, suspend, and a
// finished Job deleted with its pods after its TTL.
import { describe, expect, it } from 'vitest';
import type { Event } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, isNotFound } from '../src/client/index.js';
import { jobController } from '../controllers/job/controller.js';
import { ttlAfterFinishedController } from '../controllers/job/ttl-after-finished.js';
import { garbageCollectorController } from '../controllers/garbagecollector/controller.js';
import type { JobObject } from '../controllers/job/pods.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { TestKubeletOptions } from '../controllers/common/test-kubelet.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until } from './harness/until.js';

const podsRef = ref('', 'v1', 'pods');
const jobsRef = ref('batch', 'v1', 'jobs');
const eventsRef = ref('', 'v1', 'events');

const s = controllerTestEnv({
  namespacePrefix: 'job-it',
  controllers: [jobController({ podFailureBackoffMs: 100 }), ttlAfterFinishedController(), garbageCollectorController()],
});

const pods = () => s.client.resource<PodObject>(podsRef);
const jobs = () => s.client.resource<JobObject>(jobsRef);
const condition = (j: JobObject, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

const startKubelet = (ns: string, opts: TestKubeletOptions = {}) => s.startKubelet({ namespace: ns, readyDelayMs: 100, ...opts });

/** The most pods that were neither finished nor being deleted at the same time. */
async function watchConcurrency(ns: string): Promise<() => number> {
  let max = 0;
  const inf = new Informer<PodObject>(s.client, podsRef, { namespace: ns, onError: () => {} });
  const count = () => {
    const running = inf.list().filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
    max = Math.max(max, running);
  };
  inf.addEventHandler({ onAdd: count, onUpdate: count, onDelete: count });
  inf.start();
  await inf.waitForSync();
  s.afterTest(async () => inf.stop());
  return () => max;
}

function job(name: string, spec: Partial<JobObject['spec']> = {}): JobObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'skiff/busybox' }] } },
      ...spec,
    },
  };
}

async function finished(ns: string, name: string, type: 'Complete' | 'Failed'): Promise<JobObject> {
  return until(`${name} ${type}`, async () => {
    const j = await jobs().get(ns, name);
    return condition(j, type) ? j : undefined;
  });
}

describe('Job controller (etcd)', () => {
  it('runs completions 3 at parallelism 2 to Complete, counting each pod once', async () => {
    const ns = await s.namespace();
    const maxRunning = await watchConcurrency(ns);
    await startKubelet(ns, { outcome: () => ({ phase: 'Succeeded' }) });
    const created = await jobs().create(ns, job('pi', { completions: 3, parallelism: 2 }));
    const done = await finished(ns, 'pi', 'Complete');
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0 });
    expect(done.status?.failed ?? 0).toBe(0);
    expect(done.status?.active ?? 0).toBe(0);
    expect(done.status?.uncountedTerminatedPods ?? {}).toEqual({});
    expect(done.status?.startTime).toBeDefined();
    expect(done.status?.completionTime).toBeDefined();
    expect(condition(done, 'SuccessCriteriaMet')).toMatchObject({ reason: 'CompletionsReached' });
    expect(maxRunning()).toBeLessThanOrEqual(2);
    const list = (await pods().list(ns)).items;
    expect(list).toHaveLength(3);
    for (const p of list) {
      expect(p.metadata.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
      expect(p.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'batch.kubernetes.io/controller-uid': created.metadata.uid });
      expect(p.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/);
    }
    const events = await until('Completed event', async () => {
      const list = (await s.client.resource<Event & KubeObject>(eventsRef).list(ns)).items;
      return list.some((e) => e.reason === 'Completed') ? list : undefined;
    });
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(3);
  });

  it('stops at backoffLimit with Failed/BackoffLimitExceeded', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { outcome: () => ({ phase: 'Failed', exitCode: 3 }) });
    await jobs().create(ns, job('flaky', { backoffLimit: 2 }));
    const failed = await finished(ns, 'flaky', 'Failed');
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(failed, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(failed.status?.failed).toBe(3);
    expect(failed.status?.succeeded ?? 0).toBe(0);
    expect(failed.status?.active ?? 0).toBe(0);
    expect(failed.status?.completionTime).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect((await pods().list(ns)).items).toHaveLength(3);
  });

  it('fails a Job running past activeDeadlineSeconds and deletes its pods', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await jobs().create(ns, job('slow', { activeDeadlineSeconds: 1, parallelism: 2, completions: 4 }));
    const failed = await finished(ns, 'slow', 'Failed');
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(failed.status?.active ?? 0).toBe(0);
    expect(failed.status?.failed).toBe(2);
    await until('pods gone', async () => ((await pods().list(ns)).items.length === 0 ? true : undefined));
  });

  it('gives each index of an Indexed Job one pod and lists the completed indexes', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { outcome: () => ({ phase: 'Succeeded' }) });
    await jobs().create(ns, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const done = await finished(ns, 'idx', 'Complete');
    expect(done.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const list = (await pods().list(ns)).items;
    expect(list.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1', '2']);
    for (const p of list) {
      const ix = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      expect(p.spec.hostname).toBe(`idx-${ix}`);
      expect(p.spec.containers[0]?.env).toContainEqual({
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
      });
    }
  });

  it('deletes the pods of a suspended Job without counting them, and starts again on resume', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await jobs().create(ns, job('paused', { parallelism: 2, completions: 2 }));
    await until('two pods', async () => ((await pods().list(ns)).items.length === 2 ? true : undefined));
    await jobs().patch(ns, 'paused', { spec: { suspend: true } }, 'merge');
    const suspended = await until('suspended', async () => {
      const j = await jobs().get(ns, 'paused');
      return condition(j, 'Suspended') && (j.status?.active ?? 0) === 0 ? j : undefined;
    });
    expect(suspended.status?.failed ?? 0).toBe(0);
    await until('pods gone', async () => ((await pods().list(ns)).items.length === 0 ? true : undefined));
    await jobs().patch(ns, 'paused', { spec: { suspend: false } }, 'merge');
    const resumed = await until('resumed', async () => {
      const j = await jobs().get(ns, 'paused');
      const c = j.status?.conditions?.find((x) => x.type === 'Suspended');
      return c?.status === 'False' && c.reason === 'JobResumed' && j.status?.active === 2 ? j : undefined;
    });
    expect(resumed.status?.failed ?? 0).toBe(0);
  });

  it('deletes a finished Job and its pods ttlSecondsAfterFinished later', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { outcome: () => ({ phase: 'Succeeded' }) });
    await jobs().create(ns, job('brief', { ttlSecondsAfterFinished: 1 }));
    await finished(ns, 'brief', 'Complete');
    await until('job deleted', async () => {
      try {
        await jobs().get(ns, 'brief');
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    await until('pods deleted', async () => ((await pods().list(ns)).items.length === 0 ? true : undefined));
  });
});
