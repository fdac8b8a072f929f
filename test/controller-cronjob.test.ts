// The CronJob controller in a controller-manager against a real apiserver on
// a real etcd, on a fake clock moved by hand: a `* * * * *` CronJob fires
// once per minute with Job names carrying the scheduled minute; Forbid skips
// an activation while the previous Job runs and starts it late once that Job
// finishes, unless startingDeadlineSeconds has passed; Replace; suspend.
import { describe, expect, it } from 'vitest';
import type { Event } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { FakeClock, rfc3339 } from '../src/client/index.js';
import { cronJobController } from '../controllers/cronjob/controller.js';
import type { CronJobObject } from '../controllers/cronjob/schedule.js';
import type { JobObject } from '../controllers/job/pods.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until } from './harness/until.js';

const jobsRef = ref('batch', 'v1', 'jobs');
const cronJobsRef = ref('batch', 'v1', 'cronjobs');
const eventsRef = ref('', 'v1', 'events');

const s = controllerTestEnv({ namespacePrefix: 'cj-it' });

/** A controller-manager whose CronJob controller reads time from clock. */
async function startManager(clock: FakeClock): Promise<void> {
  await s.startManager({ controllers: [cronJobController({ clock })] });
}

const jobs = () => s.client.resource<JobObject>(jobsRef);
const cronJobs = () => s.client.resource<CronJobObject>(cronJobsRef);
const events = async (ns: string) => (await s.client.resource<Event & KubeObject>(eventsRef).list(ns)).items;

/** Moves the fake clock just past the next minute once the controller has asked to be woken, returning that minute. */
async function advanceToNextMinute(clock: FakeClock): Promise<number> {
  await until('a wake-up timer', async () => (clock.pending() > 0 ? true : undefined));
  const minute = Math.floor(clock.now() / 60_000) * 60_000 + 60_000;
  clock.advance(minute + 500 - clock.now());
  return minute;
}

function cronJob(name: string, extra: Partial<CronJobObject['spec']> = {}): CronJobObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'tick', image: 'skiff/busybox' }] } } } },
      ...extra,
    },
  };
}

async function complete(ns: string, name: string, atMs: number): Promise<void> {
  const j = await jobs().get(ns, name);
  const t = rfc3339(atMs);
  await jobs().updateStatus(ns, {
    ...j,
    status: {
      startTime: t,
      completionTime: t,
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      ],
    },
  });
}

describe('CronJob controller (etcd)', () => {
  it('fires each minute on a fake clock and, with Forbid, skips while a Job is still running', async () => {
    const ns = await s.namespace();
    const clock = new FakeClock(Date.now());
    await startManager(clock);
    const cj = await cronJobs().create(ns, cronJob('tick', { concurrencyPolicy: 'Forbid' }));

    const first = await advanceToNextMinute(clock);
    const firstName = `tick-${first / 60_000}`;
    const job = await until('the first job', async () => (await jobs().list(ns)).items.find((j) => j.metadata.name === firstName));
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(rfc3339(first));
    const st = await until('status naming the job', async () => {
      const cur = await cronJobs().get(ns, 'tick');
      return cur.status?.active?.length === 1 ? cur.status : undefined;
    });
    expect(st.active?.[0]).toMatchObject({ kind: 'Job', name: firstName, namespace: ns, uid: job.metadata.uid });
    expect(st.lastScheduleTime).toBe(rfc3339(first));

    // The first Job is still running at the next minute: Forbid starts none.
    const second = await advanceToNextMinute(clock);
    await until('JobAlreadyActive', async () => ((await events(ns)).some((e) => e.reason === 'JobAlreadyActive') ? true : undefined));
    expect((await jobs().list(ns)).items.map((j) => j.metadata.name)).toEqual([firstName]);

    // Once it finishes, the activation Forbid skipped is started late (there is no startingDeadlineSeconds).
    await complete(ns, firstName, second + 1000);
    const late = await until('the skipped activation started', async () => {
      const cur = await cronJobs().get(ns, 'tick');
      const active = cur.status?.active ?? [];
      return active.length === 1 && active[0]!.name === `tick-${second / 60_000}` ? cur.status : undefined;
    });
    expect(late.lastSuccessfulTime).toBe(rfc3339(second + 1000));
    expect(late.lastScheduleTime).toBe(rfc3339(second));
    await until('SawCompletedJob', async () =>
      (await events(ns)).some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${firstName}, condition: Complete`) ? true : undefined,
    );

    const third = await advanceToNextMinute(clock);
    await until('JobAlreadyActive again', async () =>
      (await events(ns)).some((e) => e.reason === 'JobAlreadyActive' && (e.count ?? 1) >= 2) ? true : undefined,
    );
    expect((await jobs().list(ns)).items.map((j) => j.metadata.name).sort()).toEqual([firstName, `tick-${second / 60_000}`]);
    expect(third).toBe(second + 60_000);
  });

  it('lets an activation go when it is past startingDeadlineSeconds', async () => {
    const ns = await s.namespace();
    const clock = new FakeClock(Date.now());
    await startManager(clock);
    await cronJobs().create(ns, cronJob('strict', { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 10 }));
    const first = await advanceToNextMinute(clock);
    await until('the first job', async () => ((await cronJobs().get(ns, 'strict')).status?.active?.length === 1 ? true : undefined));
    const second = await advanceToNextMinute(clock);
    await until('JobAlreadyActive', async () => ((await events(ns)).some((e) => e.reason === 'JobAlreadyActive') ? true : undefined));
    clock.advance(20_000);
    await complete(ns, `strict-${first / 60_000}`, clock.now());
    await until('no job active', async () => ((await cronJobs().get(ns, 'strict')).status?.active ?? []).length === 0 ? true : undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobs().list(ns)).items.map((j) => j.metadata.name)).toEqual([`strict-${first / 60_000}`]);
    expect(second).toBe(first + 60_000);
  });

  it('with Replace deletes the running Job when the next one starts', async () => {
    const ns = await s.namespace();
    const clock = new FakeClock(Date.now());
    await startManager(clock);
    await cronJobs().create(ns, cronJob('swap', { concurrencyPolicy: 'Replace' }));
    const first = await advanceToNextMinute(clock);
    await until('the first job', async () => ((await cronJobs().get(ns, 'swap')).status?.active?.length === 1 ? true : undefined));
    const second = await advanceToNextMinute(clock);
    const names = await until('only the second job', async () => {
      const list = (await jobs().list(ns)).items.filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name);
      return list.length === 1 && list[0] === `swap-${second / 60_000}` ? list : undefined;
    });
    expect(names).not.toContain(`swap-${first / 60_000}`);
    await until('status naming only the second job', async () => {
      const active = (await cronJobs().get(ns, 'swap')).status?.active?.map((r) => r.name);
      return JSON.stringify(active) === JSON.stringify([`swap-${second / 60_000}`]) ? true : undefined;
    });
    await until('SuccessfulDelete', async () =>
      (await events(ns)).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job swap-${first / 60_000}`) ? true : undefined,
    );
  });

  it('does not start a suspended CronJob', async () => {
    const ns = await s.namespace();
    const clock = new FakeClock(Date.now());
    await startManager(clock);
    await cronJobs().create(ns, cronJob('idle', { suspend: true }));
    await new Promise((r) => setTimeout(r, 300));
    clock.advance(5 * 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobs().list(ns)).items).toHaveLength(0);
  });
});
