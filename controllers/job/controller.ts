// The Job controller (Kubernetes' pkg/controller/job): runs pods until
// `completions` of them succeed (one per index for Indexed Jobs), at most
// `parallelism` at a time, backing off exponentially between failures; fails
// the Job past backoffLimit, activeDeadlineSeconds or a FailJob rule of its
// pod failure policy; suspends and resumes. Finished pods are counted once
// through the job-tracking finalizer (see accounting.ts). Conditions follow
// Kubernetes 1.32: FailureTarget / SuccessCriteriaMet as soon as the outcome
// is known, Failed / Complete once no pod is left terminating.
import type { JobCondition } from '../../src/api/batch/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { EventRecorder, isNotFound, rfc3339, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import {
  claimObjects,
  controllerUidIndex,
  controllerUidIndexFunc,
  getControllerOf,
  newControllerRef,
  ownerSelector,
  ownersSelecting,
  recheckOwner,
  resolveControllerRef,
} from '../common/controller-ref.js';
import { CreateDeleteExpectations } from '../common/create-delete-expectations.js';
import { PodControl } from '../common/pod-control.js';
import { isPodReady, type PodObject } from '../replicaset/pods.js';
import { podsRef } from '../replicaset/controller.js';
import {
  cleanUncounted,
  countedFailures,
  enactFinished,
  isComplete,
  newFinishedPods,
  omitZeroCounts,
  planTracking,
  uncountedOf,
  wantActive,
} from './accounting.js';
import { defaultPodFailureBackoffMs, maxPodFailureBackoffMs, nextBackoffRecord, remainingBackoffMs, type BackoffRecord } from './backoff.js';
import {
  ensureCondition,
  findCondition,
  isFinished,
  jobComplete,
  jobFailed,
  jobFailureTarget,
  jobSuccessCriteriaMet,
  jobSuspended,
  newCondition,
  reasonBackoffLimitExceeded,
  reasonCompletionsReached,
  reasonDeadlineExceeded,
  reasonPodFailurePolicy,
} from './conditions.js';
import { completionIndexOf, firstPendingIndexes, parseIndexes } from './indexes.js';
import {
  activePodsForRemoval,
  countReady,
  failJobMessage,
  hasTrackingFinalizer,
  isActive,
  isIndexed,
  isSuspended,
  isTerminating,
  jobTrackingFinalizer,
  newJobPod,
  onlyReplaceFailedPods,
  pastBackoffLimitOnFailure,
  type JobObject,
} from './pods.js';

export const jobControllerName = 'job';
export const jobsRef: ResourceRef = { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true };
export const jobKind = { apiVersion: 'batch/v1', kind: 'Job' };
/** MaxPodCreateDeletePerSync */
export const maxPodCreateDeletePerSync = 500;
/** The managedBy value meaning this controller (or none given). */
export const jobControllerManager = 'kubernetes.io/job-controller';
const orphanPodPrefix = 'pod:';

export interface JobControllerOptions {
  /** Kubernetes' --concurrent-job-syncs, 5 */
  workers?: number;
  now?: () => number;
  /** the first wait before recreating a failed pod (10 s), doubling per failure */
  podFailureBackoffMs?: number;
  /** the longest such wait (10 min) */
  maxPodFailureBackoffMs?: number;
}

export class JobController extends QueueController {
  readonly expectations: CreateDeleteExpectations;
  readonly recorder: EventRecorder;
  private readonly jobs: Informer<JobObject>;
  private readonly pods: Informer<PodObject>;
  private readonly jobClient: ResourceClient<JobObject>;
  private readonly podClient: ResourceClient<PodObject>;
  private readonly podControl: PodControl;
  private readonly now: () => number;
  private readonly backoffs = new Map<string, BackoffRecord>();
  /** per Job, the uids of pods whose finalizer removal was sent but not yet seen */
  private readonly finalizerRemovals = new Map<string, Set<string>>();
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    super(ctx, { name: jobControllerName, workers: opts.workers ?? 5 });
    this.now = opts.now ?? (ctx.clock ? () => ctx.clock!.now() : Date.now);
    this.backoffBaseMs = opts.podFailureBackoffMs ?? defaultPodFailureBackoffMs;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? maxPodFailureBackoffMs;
    this.expectations = new CreateDeleteExpectations(this.now);
    this.recorder = new EventRecorder(ctx.client, { component: 'job-controller', involvedKind: jobKind, log: ctx.log, now: this.now });
    this.jobClient = ctx.client.resource<JobObject>(jobsRef);
    this.podClient = ctx.client.resource<PodObject>(podsRef);
    this.podControl = new PodControl(this.podClient, this.recorder, this.expectations);
    this.jobs = this.waitsFor(ctx.informers.informerFor<JobObject>(jobsRef));
    this.pods = this.waitsFor(ctx.informers.informerFor<PodObject>(podsRef, { indexers: { [controllerUidIndex]: controllerUidIndexFunc } }));
    this.jobs.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_old, j) => this.enqueue(j),
      onDelete: (j) => {
        this.enqueue(j);
        // Its pods' finalizers are nobody else's to remove.
        for (const p of this.pods.byIndex(controllerUidIndex, j.metadata.uid ?? '')) if (hasTrackingFinalizer(p)) this.enqueueKey(orphanPodPrefix + keyOf(p));
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p, true),
    });
  }

  private resolve(pod: PodObject): JobObject | undefined {
    return resolveControllerRef(this.jobs, 'Job', pod.metadata.namespace, getControllerOf(pod));
  }

  /** A pod keeping the finalizer with no unfinished Job to count it has the finalizer removed. */
  private checkOrphan(pod: PodObject): void {
    if (!hasTrackingFinalizer(pod)) return;
    const job = this.resolve(pod);
    if (!job || isFinished(job.status?.conditions)) this.enqueueKey(orphanPodPrefix + keyOf(pod));
  }

  private addPod(pod: PodObject): void {
    if (pod.metadata.deletionTimestamp) {
      this.deletePod(pod, false);
      return;
    }
    const job = this.resolve(pod);
    if (job) {
      this.expectations.creationObserved(keyOf(job));
      this.enqueue(job);
    } else if (!getControllerOf(pod)) {
      for (const j of ownersSelecting(this.jobs, pod)) this.enqueue(j);
    }
    this.checkOrphan(pod);
  }

  private updatePod(old: PodObject, cur: PodObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    if (!hasTrackingFinalizer(cur)) this.finalizerRemovalObserved(cur);
    if (cur.metadata.deletionTimestamp) {
      this.deletePod(cur, false);
      this.checkOrphan(cur);
      return;
    }
    const oldRef = getControllerOf(old);
    if (oldRef && oldRef.uid !== getControllerOf(cur)?.uid) {
      const j = this.resolve(old);
      if (j) this.enqueue(j);
    }
    const job = this.resolve(cur);
    if (job) this.enqueue(job);
    else if (!getControllerOf(cur)) for (const j of ownersSelecting(this.jobs, cur)) this.enqueue(j);
    this.checkOrphan(cur);
  }

  /** final: the pod is gone from the apiserver, not just marked for deletion. */
  private deletePod(pod: PodObject, final: boolean): void {
    if (final) this.finalizerRemovalObserved(pod);
    const job = this.resolve(pod);
    if (!job) return;
    this.expectations.deletionObserved(keyOf(job), keyOf(pod));
    this.enqueue(job);
  }

  private finalizerRemovalObserved(pod: PodObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
    const set = this.finalizerRemovals.get(key);
    if (!set) return;
    set.delete(pod.metadata.uid ?? '');
    if (set.size === 0) this.finalizerRemovals.delete(key);
  }

  protected async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(orphanPodPrefix)) {
      await this.syncOrphanPod(key.slice(orphanPodPrefix.length));
      return;
    }
    const cached = this.jobs.get(key);
    if (!cached) {
      this.backoffs.delete(key);
      this.expectations.forget(key);
      this.finalizerRemovals.delete(key);
      return;
    }
    const job = structuredClone(cached);
    if (isFinished(job.status?.conditions)) {
      this.backoffs.delete(key);
      return;
    }
    if (job.spec.managedBy !== undefined && job.spec.managedBy !== jobControllerManager) return;
    const selector = ownerSelector(job);
    if (!selector) {
      this.log.warn({ job: key }, 'invalid selector; not syncing');
      return;
    }
    const namespace = job.metadata.namespace ?? '';
    const pods = await claimObjects(this.pods.list(namespace), {
      owner: job,
      ownerKind: jobKind,
      client: this.podClient,
      match: (p) => selector.matches(p.metadata.labels ?? {}),
      canAdopt: recheckOwner(() => this.jobClient.get(namespace, job.metadata.name ?? ''), job),
    });
    const status = (job.status ??= {});
    status.uncountedTerminatedPods ??= {};
    const nowMs = this.now();
    const activePods = pods.filter(isActive);
    let active = activePods.length;
    let terminating = pods.filter(isTerminating).length;
    let ready = countReady(activePods);
    const expectedRm = new Set(this.finalizerRemovals.get(key) ?? []);
    const uncounted = uncountedOf(status);
    const fresh = newFinishedPods(job, pods, uncounted, expectedRm);
    let succeeded = (status.succeeded ?? 0) + fresh.succeeded.length + uncounted.succeeded.size;
    const failed = (status.failed ?? 0) + countedFailures(job, fresh.failed) + uncounted.failed.size;
    const startTimeBefore = status.startTime;
    if (!status.startTime && !isSuspended(job)) status.startTime = rfc3339(nowMs);
    const backoff = nextBackoffRecord(this.backoffs.get(key), fresh.succeeded, fresh.failed);
    let requeueAfterMs: number | undefined;

    let finished: JobCondition | undefined;
    const met = findCondition(status.conditions, jobSuccessCriteriaMet);
    if (met?.status === 'True') finished = met;
    if (!finished) {
      const target = findCondition(status.conditions, jobFailureTarget);
      const policyMessage = failJobMessage(job, pods);
      if (target?.status === 'True') finished = newCondition(jobFailed, 'True', target.reason ?? '', target.message ?? '', nowMs);
      else if (policyMessage !== undefined) finished = newCondition(jobFailureTarget, 'True', reasonPodFailurePolicy, policyMessage, nowMs);
    }
    if (!finished) {
      const deadlineMs = job.spec.activeDeadlineSeconds !== undefined && status.startTime && !isSuspended(job)
        ? Date.parse(status.startTime) + job.spec.activeDeadlineSeconds * 1000
        : undefined;
      if (failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
        finished = newCondition(jobFailureTarget, 'True', reasonBackoffLimitExceeded, 'Job has reached the specified backoff limit', nowMs);
      } else if (deadlineMs !== undefined && nowMs >= deadlineMs) {
        finished = newCondition(jobFailureTarget, 'True', reasonDeadlineExceeded, 'Job was active longer than specified deadline', nowMs);
      } else if (deadlineMs !== undefined) {
        requeueAfterMs = deadlineMs - nowMs;
      }
    }
    let prevSucceededIndexes: number[] = [];
    if (isIndexed(job)) {
      const completions = job.spec.completions ?? 0;
      prevSucceededIndexes = parseIndexes(status.completedIndexes, completions);
      const all = new Set(prevSucceededIndexes);
      for (const p of pods) {
        const ix = completionIndexOf(p);
        if (p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p) && ix >= 0 && ix < completions) all.add(ix);
      }
      succeeded = all.size;
    }

    const satisfied = this.expectations.satisfied(key);
    let suspendChanged = false;
    let manageError: unknown;
    if (finished) {
      const { deleted, deletedReady, error } = await this.deleteActivePods(job, activePods);
      // Finished only once every pod is known and going: another sync will see them.
      if (deleted !== active || !satisfied) finished = undefined;
      active -= deleted;
      terminating += deleted;
      ready -= deletedReady;
      manageError = error;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        const r = await this.manageJob(job, key, { activePods, succeeded, prevSucceededIndexes, terminating, backoff, nowMs });
        active = r.active;
        terminating = r.terminating;
        ready -= r.deletedReady;
        manageError = r.error;
        if (r.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.requeueAfterMs);
        manageCalled = true;
      }
      if (isComplete(job, succeeded, active)) {
        finished = newCondition(jobSuccessCriteriaMet, 'True', reasonCompletionsReached, 'Reached expected number of succeeded pods', nowMs);
      } else if (manageCalled) {
        const r = isSuspended(job)
          ? ensureCondition(status.conditions ?? [], jobSuspended, 'True', 'JobSuspended', 'Job suspended', nowMs)
          : ensureCondition(status.conditions ?? [], jobSuspended, 'False', 'JobResumed', 'Job resumed', nowMs);
        if (r.changed) {
          suspendChanged = true;
          status.conditions = r.conditions;
          if (isSuspended(job)) {
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          } else {
            this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
            // activeDeadlineSeconds counts time continuously active: a resumed Job starts its clock again.
            status.startTime = rfc3339(nowMs);
          }
        }
      }
    }
    const needsUpdate =
      suspendChanged ||
      active !== (status.active ?? 0) ||
      ready !== (status.ready ?? undefined) ||
      terminating !== (status.terminating ?? undefined) ||
      status.startTime !== startTimeBefore;
    status.active = active;
    status.ready = ready;
    status.terminating = terminating;
    await this.track(job, key, { pods, expectedRm, finished, prevSucceededIndexes, nowMs, terminating, backoff }, needsUpdate);
    if (manageError !== undefined) throw manageError;
    return requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(1, requeueAfterMs) } : undefined;
  }

  private async manageJob(
    job: JobObject,
    key: string,
    ctx: { activePods: PodObject[]; succeeded: number; prevSucceededIndexes: number[]; terminating: number; backoff: BackoffRecord; nowMs: number },
  ): Promise<{ active: number; terminating: number; deletedReady: number; error?: unknown; requeueAfterMs?: number }> {
    let active = ctx.activePods.length;
    let terminating = ctx.terminating;
    if (isSuspended(job)) {
      const victims = activePodsForRemoval(job, ctx.activePods, active);
      const r = await this.deleteJobPods(job, key, victims);
      return { active: active - r.deleted, terminating: terminating + r.deleted, deletedReady: r.deletedReady, ...(r.error !== undefined ? { error: r.error } : {}) };
    }
    const want = wantActive(job, active, ctx.succeeded);
    const victims = activePodsForRemoval(job, ctx.activePods, Math.max(0, active - want)).slice(0, maxPodCreateDeletePerSync);
    if (victims.length) {
      // Deletion and creation never happen in the same sync; deletion goes first.
      const r = await this.deleteJobPods(job, key, victims);
      return { active: active - r.deleted, terminating: terminating + r.deleted, deletedReady: r.deletedReady, ...(r.error !== undefined ? { error: r.error } : {}) };
    }
    let diff = want - (onlyReplaceFailedPods(job) ? terminating : 0) - active;
    if (diff <= 0) return { active, terminating, deletedReady: 0 };
    const wait = remainingBackoffMs(ctx.backoff, ctx.nowMs, this.backoffBaseMs, this.backoffMaxMs);
    if (wait > 0) return { active, terminating, deletedReady: 0, requeueAfterMs: wait };
    diff = Math.min(diff, maxPodCreateDeletePerSync);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      // Indexes that succeeded in pods not yet counted are not pending either.
      const completions = job.spec.completions ?? 0;
      const done = new Set(ctx.prevSucceededIndexes);
      for (const p of this.pods.byIndex(controllerUidIndex, job.metadata.uid ?? '')) {
        if (p.status?.phase === 'Succeeded') done.add(completionIndexOf(p));
      }
      indexes = firstPendingIndexes([...done], ctx.activePods, diff, completions);
      diff = indexes.length;
      if (diff === 0) return { active, terminating, deletedReady: 0 };
    }
    this.expectations.expect(key, diff, []);
    const ref = newControllerRef(job, jobKind);
    const { successes, error } = await this.podControl.createPods(job, key, diff, (i) => newJobPod(job, isIndexed(job) ? indexes[i]! : -1, ref));
    active += successes;
    return { active, terminating, deletedReady: 0, ...(error !== undefined ? { error } : {}) };
  }

  /** deleteJobPods: pods the Job no longer wants lose the finalizer first, so they are not counted as failures. */
  private async deleteJobPods(job: JobObject, key: string, pods: PodObject[]): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    if (!pods.length) return { deleted: 0, deletedReady: 0 };
    this.expectations.expect(key, 0, pods.map(keyOf));
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          const removeFinalizer = hasTrackingFinalizer(pod) ? () => this.removeFinalizer(pod) : undefined;
          const byThisRequest = await this.podControl.deleteExpected(job, key, pod, removeFinalizer);
          deleted++;
          if (byThisRequest && isPodReady(pod)) deletedReady++;
        } catch (err) {
          error ??= err;
        }
      }),
    );
    return { deleted, deletedReady, ...(error !== undefined ? { error } : {}) };
  }

  /** deleteActivePods: a finished Job's running pods are deleted with their finalizer kept, to be counted as failed. */
  private async deleteActivePods(job: JobObject, pods: PodObject[]): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.podControl.delete(job, pod);
        } catch (err) {
          if (!isNotFound(err)) {
            error ??= err;
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, ...(error !== undefined ? { error } : {}) };
  }

  /** trackJobStatusAndRemoveFinalizers: write new uncounted pods, remove their finalizers, then count them and finish. */
  private async track(
    job: JobObject,
    key: string,
    ctx: {
      pods: PodObject[];
      expectedRm: Set<string>;
      finished: JobCondition | undefined;
      prevSucceededIndexes: number[];
      nowMs: number;
      terminating: number;
      backoff: BackoffRecord;
    },
    needsUpdate: boolean,
  ): Promise<void> {
    const plan = planTracking(
      { job, pods: ctx.pods, expectedRmFinalizers: ctx.expectedRm, ...(ctx.finished ? { finished: ctx.finished } : {}), prevSucceededIndexes: ctx.prevSucceededIndexes, nowMs: ctx.nowMs },
      needsUpdate,
    );
    let current: JobObject = { ...job, status: omitZeroCounts(plan.status) };
    let needsFlush = plan.needsFlush;
    if (needsFlush) {
      current = await this.jobClient.updateStatus(job.metadata.namespace, current);
      this.backoffs.set(key, ctx.backoff);
      needsFlush = false;
    }
    const status = structuredClone(current.status ?? {});
    const withFinalizer = new Set(plan.uidsWithFinalizer);
    let rmError: unknown;
    if (plan.podsToRemoveFinalizer.length) {
      const set = this.finalizerRemovals.get(key) ?? new Set<string>();
      for (const p of plan.podsToRemoveFinalizer) set.add(p.metadata.uid ?? '');
      this.finalizerRemovals.set(key, set);
      await Promise.all(
        plan.podsToRemoveFinalizer.map(async (pod) => {
          try {
            await this.removeFinalizer(pod);
            withFinalizer.delete(pod.metadata.uid ?? '');
          } catch (err) {
            // No update will show this removal: stop expecting it.
            set.delete(pod.metadata.uid ?? '');
            if (isNotFound(err)) {
              withFinalizer.delete(pod.metadata.uid ?? '');
              return;
            }
            rmError ??= err;
          }
        }),
      );
    }
    if (cleanUncounted(status, withFinalizer)) needsFlush = true;
    if (rmError !== undefined) {
      if (needsFlush) await this.jobClient.updateStatus(job.metadata.namespace, { ...current, status: omitZeroCounts(status) });
      throw rmError;
    }
    const finishedNow = !plan.reachedMaxUncounted && enactFinished(status, plan.final, ctx.terminating);
    if (finishedNow) needsFlush = true;
    if (!needsFlush) return;
    const written = await this.jobClient.updateStatus(job.metadata.namespace, { ...current, status: omitZeroCounts(status) });
    if (finishedNow && plan.final) {
      if (plan.final.type === jobComplete) {
        if (job.spec.completions !== undefined && (written.status?.succeeded ?? 0) > job.spec.completions) {
          this.recorder.event(written, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        }
        this.recorder.event(written, 'Normal', 'Completed', 'Job completed');
      } else {
        this.recorder.event(written, 'Warning', plan.final.reason ?? jobFailed, plan.final.message ?? '');
      }
    }
  }

  /** The Kubernetes patch that takes the tracking finalizer off, bound to the pod's uid. */
  private async removeFinalizer(pod: PodObject): Promise<void> {
    const patch = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [jobTrackingFinalizer], uid: pod.metadata.uid } };
    await this.podClient.patch(pod.metadata.namespace, pod.metadata.name ?? '', patch, 'strategic');
  }

  /** handleOrphanPod: a pod whose Job is gone or finished keeps no finalizer. */
  private async syncOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.get(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const job = this.resolve(pod);
    if (job && !isFinished(job.status?.conditions)) return;
    try {
      await this.removeFinalizer(pod);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

export function jobController(opts: JobControllerOptions = {}): ControllerDescriptor {
  return { name: jobControllerName, init: (ctx) => new JobController(ctx, opts) };
}
