// The TTL-after-finished controller (Kubernetes' pkg/controller/ttlafterfinished):
// a finished Job with spec.ttlSecondsAfterFinished is deleted, with its pods
// (foreground propagation: the garbage collector removes the pods first),
// that many seconds after it finished. It looks again exactly when the TTL
// runs out rather than polling.
import { isNotFound, type Informer, type ResourceClient } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';
import { jobComplete, jobFailed } from './conditions.js';
import { jobsRef } from './controller.js';
import type { JobObject } from './pods.js';

export const ttlAfterFinishedControllerName = 'ttl-after-finished';

export interface TtlAfterFinishedOptions {
  /** Kubernetes' --concurrent-ttl-after-finished-syncs, 5 */
  workers?: number;
  now?: () => number;
}

/** When the Job finished: completionTime, else the terminal condition's transition time. */
export function finishTimeMs(job: JobObject): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === jobComplete || c.type === jobFailed) && c.status === 'True') {
      const t = Date.parse((c.type === jobComplete ? job.status?.completionTime : undefined) ?? c.lastTransitionTime ?? '');
      return Number.isFinite(t) ? t : undefined;
    }
  }
  return undefined;
}

/** ms until the Job should go (0 or less: now), or undefined when it never should. */
export function timeLeftMs(job: JobObject, nowMs: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata.deletionTimestamp) return undefined;
  const finished = finishTimeMs(job);
  if (finished === undefined) return undefined;
  return finished + ttl * 1000 - nowMs;
}

export class TtlAfterFinishedController extends QueueController {
  private readonly jobs: Informer<JobObject>;
  private readonly jobClient: ResourceClient<JobObject>;
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: TtlAfterFinishedOptions = {}) {
    super(ctx, { name: ttlAfterFinishedControllerName, workers: opts.workers ?? 5 });
    this.now = opts.now ?? (ctx.clock ? () => ctx.clock!.now() : Date.now);
    this.jobClient = ctx.client.resource<JobObject>(jobsRef);
    this.jobs = this.waitsFor(ctx.informers.informerFor<JobObject>(jobsRef));
    const consider = (job: JobObject): void => {
      if (job.spec.ttlSecondsAfterFinished !== undefined && finishTimeMs(job) !== undefined) this.enqueue(job);
    };
    this.jobs.addEventHandler({ onAdd: consider, onUpdate: (_old, job) => consider(job) });
  }

  protected async sync(key: string): Promise<SyncResult> {
    const cached = this.jobs.get(key);
    if (!cached) return;
    const left = timeLeftMs(cached, this.now());
    if (left === undefined) return;
    if (left > 0) return { requeueAfterMs: left };
    // The TTL may have changed since the cache saw it: decide on a fresh copy.
    let fresh: JobObject;
    try {
      fresh = await this.jobClient.get(cached.metadata.namespace, cached.metadata.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshLeft = timeLeftMs(fresh, this.now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return { requeueAfterMs: freshLeft };
    this.log.debug({ job: key }, 'deleting finished job past its TTL');
    try {
      await this.jobClient.delete(fresh.metadata.namespace, fresh.metadata.name ?? '', {
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata.uid ?? '', resourceVersion: fresh.metadata.resourceVersion ?? '' },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export function ttlAfterFinishedController(opts: TtlAfterFinishedOptions = {}): ControllerDescriptor {
  return { name: ttlAfterFinishedControllerName, init: (ctx) => new TtlAfterFinishedController(ctx, opts) };
}
