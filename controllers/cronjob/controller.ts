// The CronJob controller (Kubernetes' pkg/controller/cronjob, the v2
// controller): creates a Job named <cronjob>-<minutes> for each activation of
// the schedule in spec.timeZone, within startingDeadlineSeconds, honouring
// concurrencyPolicy (Allow, Forbid, Replace) and suspend; keeps status.active,
// lastScheduleTime and lastSuccessfulTime; deletes finished Jobs beyond the
// history limits. It sleeps until the next activation (requeued after the
// time left) rather than polling, and reads time from a Clock so tests can
// move it by hand.
import type { Job } from '../../src/api/batch/v1.js';
import type { ObjectReference } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import {
  EventRecorder,
  isAlreadyExists,
  isNamespaceTerminating,
  isNotFound,
  rfc3339,
  realClock,
  type Clock,
  type Informer,
  type TimerHandle,
  type ResourceClient,
  type ResourceRef,
} from '../../src/client/index.js';
import { errorMessage, QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { getControllerOf, newControllerRef } from '../common/controller-ref.js';
import { isFinished, jobComplete, jobFailed } from '../job/conditions.js';
import { jobsRef } from '../job/controller.js';
import {
  jobNameFor,
  mostRecentScheduleTime,
  nextScheduleDelayMs,
  parseSchedule,
  rfc3339InZone,
  splitTimeZonePrefix,
  type CronJobObject,
  type Schedule,
} from './schedule.js';

export const cronJobControllerName = 'cronjob';
export const cronJobsRef: ResourceRef = { group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true };
const cronJobKind = { apiVersion: 'batch/v1', kind: 'CronJob' };
/** batchv1.CronJobScheduledTimestampAnnotation */
export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

type JobObject = Job & KubeObject;

/** The CronJob a sync works on (replaced by a fresh copy when the cache lags) and its status as last written. */
interface SyncState {
  cj: CronJobObject;
  written: string;
}

export interface CronJobControllerOptions {
  /** Kubernetes' --concurrent-cron-job-syncs, 5 */
  workers?: number;
  /** the time source for schedules and requeues; a FakeClock in tests */
  clock?: Clock;
}

export class CronJobController extends QueueController {
  readonly recorder: EventRecorder;
  private readonly cronJobs: Informer<CronJobObject>;
  private readonly jobs: Informer<JobObject>;
  private readonly cjClient: ResourceClient<CronJobObject>;
  private readonly jobClient: ResourceClient<JobObject>;
  private readonly now: () => number;

  private readonly clock: Clock;
  /** one wake-up per CronJob, at its next activation */
  private readonly wakeups = new Map<string, TimerHandle>();

  constructor(ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    super(ctx, { name: cronJobControllerName, workers: opts.workers ?? 5 });
    // Schedules follow this clock; retries after a failure keep the work queue's own.
    this.clock = opts.clock ?? ctx.clock ?? realClock;
    this.now = () => this.clock.now();
    this.recorder = new EventRecorder(ctx.client, { component: 'cronjob-controller', involvedKind: cronJobKind, log: ctx.log, now: this.now });
    this.cjClient = ctx.client.resource<CronJobObject>(cronJobsRef);
    this.jobClient = ctx.client.resource<JobObject>(jobsRef);
    this.cronJobs = this.waitsFor(ctx.informers.informerFor<CronJobObject>(cronJobsRef));
    this.jobs = this.waitsFor(ctx.informers.informerFor<JobObject>(jobsRef));
    this.cronJobs.addEventHandler(this.enqueueHandlers());
    const owner = (job: JobObject): void => {
      const ref = getControllerOf(job);
      if (!ref || ref.kind !== 'CronJob') return;
      const cj = this.cronJobs.get(`${job.metadata.namespace ?? ''}/${ref.name}`);
      if (cj && cj.metadata.uid === ref.uid) this.enqueue(cj);
    };
    this.jobs.addEventHandler({
      onAdd: owner,
      onUpdate: (old, cur) => {
        if (getControllerOf(old)?.uid !== getControllerOf(cur)?.uid) owner(old);
        owner(cur);
      },
      onDelete: owner,
    });
  }

  override async start(signal: AbortSignal): Promise<void> {
    try {
      await super.start(signal);
    } finally {
      for (const t of this.wakeups.values()) this.clock.clearTimeout(t);
      this.wakeups.clear();
    }
  }

  /** Syncs key again after ms on the controller's clock, replacing the wake-up set before. */
  private wakeAfter(key: string, ms: number): void {
    const old = this.wakeups.get(key);
    if (old) this.clock.clearTimeout(old);
    const handle = this.clock.setTimeout(() => {
      if (this.wakeups.get(key) === handle) this.wakeups.delete(key);
      this.enqueueKey(key);
    }, ms);
    this.wakeups.set(key, handle);
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.cronJobs.get(key);
    if (!cached) {
      const old = this.wakeups.get(key);
      if (old) this.clock.clearTimeout(old);
      this.wakeups.delete(key);
      return;
    }
    const cj = structuredClone(cached);
    const namespace = cj.metadata.namespace ?? '';
    const jobs = this.jobs.list(namespace).filter((j) => {
      const ref = getControllerOf(j);
      return ref?.kind === 'CronJob' && ref.uid === cj.metadata.uid;
    });
    const state: SyncState = { cj, written: JSON.stringify(cj.status ?? {}) };
    let requeueAfterMs: number | undefined;
    let syncError: unknown;
    try {
      requeueAfterMs = await this.syncCronJob(state, jobs);
    } catch (err) {
      syncError = err;
    }
    await this.cleanupFinishedJobs(state.cj, jobs);
    if (JSON.stringify(state.cj.status ?? {}) !== state.written) {
      try {
        await this.cjClient.updateStatus(namespace, state.cj);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (syncError !== undefined) throw syncError;
    if (requeueAfterMs !== undefined) this.wakeAfter(key, Math.max(1, requeueAfterMs));
  }

  /** syncCronJob: brings status.active up to date, then starts the Job due now if any; returns when to look again. */
  private async syncCronJob(state: SyncState, jobs: JobObject[]): Promise<number | undefined> {
    let cj = state.cj;
    let status = (cj.status ??= {});
    const namespace = cj.metadata.namespace ?? '';
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata.uid ?? '';
      children.add(uid);
      const found = inActiveList(cj, uid);
      const finished = isFinished(j.status?.conditions);
      if (!found && !finished) {
        const fresh = await this.cjClient.get(namespace, cj.metadata.name ?? '');
        if (inActiveList(fresh, uid)) {
          // The cache is behind our own status write: carry on from the apiserver's copy.
          cj = state.cj = fresh;
          status = cj.status ??= {};
          state.written = JSON.stringify(status);
          continue;
        }
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (found && finished) {
        const cond = (j.status?.conditions ?? []).find((c) => (c.type === jobComplete || c.type === jobFailed) && c.status === 'True');
        removeFromActive(cj, uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${cond?.type ?? ''}`);
      }
      if (finished) {
        const done = j.status?.completionTime;
        if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
      }
    }
    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      // The cache may just be slow: ask the apiserver before forgetting it.
      try {
        await this.jobClient.get(ref.namespace ?? namespace, ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        removeFromActive(cj, ref.uid ?? '');
      }
    }
    if (cj.metadata.deletionTimestamp) return undefined;

    const timeZone = cj.spec.timeZone ?? undefined;
    if (timeZone !== undefined && !isValidZone(timeZone)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}: unknown time zone ${timeZone}`);
      return undefined;
    }
    if (cj.spec.suspend) return undefined;
    const schedule = cj.spec.schedule ?? '';
    if (splitTimeZonePrefix(schedule).tz !== undefined) {
      this.recorder.event(
        cj,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let sched: Schedule;
    try {
      sched = parseSchedule(schedule, timeZone);
    } catch (err) {
      // A user error: nothing to retry until the spec changes.
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(schedule)} : ${errorMessage(err)}`);
      return undefined;
    }
    const nowMs = this.now();
    let scheduledMs: number | undefined;
    try {
      const mr = mostRecentScheduleTime(cj, nowMs, sched);
      if (mr.mostRecentMs !== undefined && mr.mostRecentMs <= nowMs) {
        scheduledMs = mr.mostRecentMs;
        if (mr.tooManyMissed) {
          this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
        }
      }
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${schedule} : ${errorMessage(err)}`);
      return undefined;
    }
    const next = (): number | undefined => nextScheduleDelayMs(cj, nowMs, sched);
    if (scheduledMs === undefined) return next();
    const deadline = cj.spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduledMs + deadline * 1000 < nowMs) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduledMs)}`);
      return next();
    }
    const name = jobNameFor(cj, scheduledMs);
    if ((status.active ?? []).some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduledMs)) {
      return next();
    }
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        let job: JobObject;
        try {
          job = await this.jobClient.get(ref.namespace ?? namespace, ref.name ?? '');
        } catch (err) {
          this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorMessage(err)}`);
          throw err;
        }
        await this.deleteJob(cj, job);
      }
    }
    const req = jobFromTemplate(cj, scheduledMs);
    let created: JobObject;
    try {
      created = await this.jobClient.create(namespace, req);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (err) {
      if (isNamespaceTerminating(err)) return undefined;
      if (!isAlreadyExists(err)) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      // Created before (a restart between creating and writing status): take it as ours if it is.
      created = await this.jobClient.get(namespace, name);
      if (getControllerOf(created)?.uid !== cj.metadata.uid) return undefined;
      if (inActiveList(cj, created.metadata.uid ?? '')) return undefined;
    }
    status.active = [...(status.active ?? []), jobRef(created)];
    status.lastScheduleTime = rfc3339(scheduledMs);
    return next();
  }

  private async deleteJob(cj: CronJobObject, job: JobObject): Promise<void> {
    try {
      await this.jobClient.delete(job.metadata.namespace, job.metadata.name ?? '', { propagationPolicy: 'Background' });
    } catch (err) {
      if (!isNotFound(err)) {
        this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
        throw err;
      }
    }
    removeFromActive(cj, job.metadata.uid ?? '');
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  }

  /** cleanupFinishedJobs: keeps the newest successfulJobsHistoryLimit Complete and failedJobsHistoryLimit Failed Jobs. */
  private async cleanupFinishedJobs(cj: CronJobObject, jobs: JobObject[]): Promise<void> {
    if (cj.metadata.deletionTimestamp) return;
    const { successfulJobsHistoryLimit: okLimit, failedJobsHistoryLimit: failLimit } = cj.spec;
    if ((okLimit === undefined || okLimit === null) && (failLimit === undefined || failLimit === null)) return;
    const ok: JobObject[] = [];
    const failed: JobObject[] = [];
    for (const j of jobs) {
      const c = (j.status?.conditions ?? []).find((x) => (x.type === jobComplete || x.type === jobFailed) && x.status === 'True');
      if (c?.type === jobComplete) ok.push(j);
      else if (c?.type === jobFailed) failed.push(j);
    }
    const prune = async (list: JobObject[], limit: number | null | undefined): Promise<void> => {
      if (limit === undefined || limit === null || list.length <= limit) return;
      const victims = [...list].sort(byStartTime).slice(0, list.length - limit);
      for (const j of victims) {
        try {
          await this.deleteJob(cj, j);
        } catch (err) {
          this.log.warn({ cronjob: `${cj.metadata.namespace}/${cj.metadata.name}`, job: j.metadata.name, err: errorMessage(err) }, 'could not delete old job');
        }
      }
    };
    await prune(ok, okLimit);
    await prune(failed, failLimit);
  }
}

/** byJobStartTime: oldest start first, Jobs never started last, then by name. */
function byStartTime(a: JobObject, b: JobObject): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function inActiveList(cj: CronJobObject, uid: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

function removeFromActive(cj: CronJobObject, uid: string): void {
  const status = (cj.status ??= {});
  const rest = (status.active ?? []).filter((r) => r.uid !== uid);
  if (rest.length) status.active = rest;
  else delete status.active;
}

function jobRef(job: JobObject): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace ?? '',
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion ?? '',
  };
}

/** getJobFromTemplate2 */
export function jobFromTemplate(cj: CronJobObject, scheduledMs: number): JobObject {
  const tmpl = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata.namespace ?? '',
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      annotations: { ...(tmpl.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339InZone(scheduledMs, cj.spec.timeZone ?? undefined) },
      ownerReferences: [newControllerRef(cj, cronJobKind)],
    },
    spec: structuredClone(tmpl.spec),
  };
}

function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz === '' ? 'UTC' : tz });
    return true;
  } catch {
    return false;
  }
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

export function cronJobController(opts: CronJobControllerOptions = {}): ControllerDescriptor {
  return { name: cronJobControllerName, init: (ctx) => new CronJobController(ctx, opts) };
}
