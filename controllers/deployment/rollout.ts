// What a Deployment sync writes (Kubernetes' deployment sync.go, rolling.go,
// recreate.go and progress.go): find or create the new ReplicaSet and keep
// revisions in order, scale ReplicaSets for a rolling update, a recreate or
// a resize (proportionally mid-rollout), delete old ReplicaSets beyond
// revisionHistoryLimit, and report status and conditions. Methods keep the
// Deployment they are given current: every write's answer replaces it.
import type { Logger } from 'pino';
import type { DeploymentStatus } from '../../src/api/apps/v1.js';
import { isAlreadyExists, isNotFound, type ResourceClient } from '../../src/client/index.js';
import { getControllerOf, newControllerRef } from '../common/controller-ref.js';
import type { EventRecorder } from '../../src/client/events.js';
import type { PodObject } from '../replicaset/pods.js';
import type { ReplicaSetObject } from '../replicaset/status.js';
import {
  available,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  progressing,
  reasons,
  removeCondition,
  replicaFailureType,
  setCondition,
} from './conditions.js';
import { computeHash } from './hash.js';
import {
  activeReplicaSets,
  actualReplicaCount,
  availableForScaling,
  availableReplicaCount,
  byCreation,
  byRevision,
  desiredReplicas,
  desiredReplicasAnnotationOf,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  podTemplateHashLabel,
  proportionalSizes,
  readyReplicaCount,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionAnnotation,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicaCount,
  type DeploymentObject,
} from './replicasets.js';

const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

export interface RolloutDeps {
  deployments: ResourceClient<DeploymentObject>;
  replicaSets: ResourceClient<ReplicaSetObject>;
  recorder: EventRecorder;
  log: Logger;
  now: () => number;
  /** look at the Deployment again after ms (progress deadline checks) */
  requeueAfter(d: DeploymentObject, ms: number): void;
}

/** Thrown after recording a hash collision: the next sync tries the next hash. */
export class HashCollisionError extends Error {}

export class Rollout {
  constructor(private readonly deps: RolloutDeps) {}

  private async writeStatus(d: DeploymentObject, status: DeploymentStatus): Promise<void> {
    const updated = await this.deps.deployments.updateStatus(d.metadata.namespace, { ...d, status });
    Object.assign(d, updated);
  }

  /** Paused deployments and resizes: scale and report, no rollout progress. */
  async sync(d: DeploymentObject, rsList: ReplicaSetObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec.paused) await this.cleanup(d, oldRSs);
    await this.syncStatusOnly(d, [...oldRSs, newRS], newRS);
  }

  async syncStatusOnly(d: DeploymentObject, allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (JSON.stringify(status) === JSON.stringify(d.status ?? {})) return;
    await this.writeStatus(d, status);
  }

  /** The Paused / Resumed Progressing condition (never over a reported timeout). */
  async checkPausedConditions(d: DeploymentObject): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, progressing);
    if (cond?.reason === reasons.timedOut) return;
    const pausedCond = cond?.reason === reasons.paused;
    const status: DeploymentStatus = structuredClone(d.status ?? {});
    if (d.spec.paused && !pausedCond) {
      setCondition(status, newCondition(progressing, 'Unknown', reasons.paused, 'Deployment is paused', this.deps.now()));
    } else if (!d.spec.paused && pausedCond) {
      setCondition(status, newCondition(progressing, 'Unknown', reasons.resumed, 'Deployment is resumed', this.deps.now()));
    } else {
      return;
    }
    await this.writeStatus(d, status);
  }

  /** isScalingEvent: some active ReplicaSet was last sized for a different replica count. */
  async isScalingEvent(d: DeploymentObject, rsList: ReplicaSetObject[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotationOf(rs);
      return desired !== undefined && desired !== desiredReplicas(d);
    });
  }

  async rolloutRolling(d: DeploymentObject, rsList: ReplicaSetObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    let allRSs = [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(d, allRSs, newRS)) {
      await this.syncRolloutStatus(d, allRSs, newRS);
      return;
    }
    allRSs = [...oldRSs, newRS];
    if (await this.reconcileOldReplicaSets(d, allRSs, activeReplicaSets(oldRSs), newRS)) {
      await this.syncRolloutStatus(d, allRSs, newRS);
      return;
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, allRSs, newRS);
  }

  async rolloutRecreate(d: DeploymentObject, rsList: ReplicaSetObject[], podsByRS: Map<string, PodObject[]>): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let allRSs = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if (await this.scaleReplicaSetAndRecordEvent(rs, 0, d)) scaledDown = true;
    }
    if (scaledDown) {
      await this.syncRolloutStatus(d, allRSs, newRS);
      return;
    }
    if (oldPodsRunning(newRS, oldRSs, podsByRS)) {
      await this.syncRolloutStatus(d, allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS) await this.scaleReplicaSetAndRecordEvent(newRS, desiredReplicas(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, oldRSs);
    await this.syncRolloutStatus(d, allRSs, newRS);
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked
   * and missing) and every old one; the new one's revision is raised above
   * every old one's and copied onto the Deployment.
   */
  async getAllReplicaSetsAndSyncRevision(
    d: DeploymentObject,
    rsList: ReplicaSetObject[],
    createIfMissing: boolean,
  ): Promise<{ newRS: ReplicaSetObject | undefined; oldRSs: ReplicaSetObject[] }> {
    const { allOld } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, allOld, createIfMissing);
    return { newRS, oldRSs: allOld };
  }

  private async getNewReplicaSet(
    d: DeploymentObject,
    rsList: ReplicaSetObject[],
    oldRSs: ReplicaSetObject[],
    createIfMissing: boolean,
  ): Promise<ReplicaSetObject | undefined> {
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const nowMs = this.deps.now();
    if (existing) {
      let rs = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        rs = await this.deps.replicaSets.update(rs.metadata.namespace, rs);
      }
      let needsUpdate = setDeploymentRevision(d, rs.metadata.annotations?.[revisionAnnotation] ?? '');
      const status: DeploymentStatus = structuredClone(d.status ?? {});
      if (hasProgressDeadline(d) && !getCondition(status, progressing)) {
        setCondition(status, newCondition(progressing, 'True', reasons.foundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`, nowMs));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus(d, status);
      return rs;
    }
    if (!createIfMissing) return undefined;

    const collisionCount = d.status?.collisionCount;
    const template = structuredClone(d.spec.template);
    const hash = computeHash(template, collisionCount);
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
    template.metadata = { ...(template.metadata ?? {}), labels };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
    const namespace = d.metadata.namespace ?? '';
    const candidate: ReplicaSetObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace,
        labels,
        ownerReferences: [newControllerRef(d, deploymentKind)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    candidate.spec.replicas = newRSNewReplicas(d, [...oldRSs, candidate], candidate);
    setNewReplicaSetAnnotations(d, candidate, newRevision, false);

    let created: ReplicaSetObject;
    let alreadyExisted = false;
    try {
      created = await this.deps.replicaSets.create(namespace, candidate);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const msg = `Failed to create new replica set "${candidate.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          const status: DeploymentStatus = structuredClone(d.status ?? {});
          setCondition(status, newCondition(progressing, 'False', reasons.failedReplicaSetCreate, msg, nowMs));
          await this.writeStatus(d, status).catch(() => {});
        }
        this.deps.recorder.event(d, 'Warning', reasons.failedReplicaSetCreate, msg);
        throw err;
      }
      // Ours already (a cache behind its own write), or a different template that hashes the same.
      const found = await this.deps.replicaSets.get(namespace, candidate.metadata.name ?? '');
      const ref = getControllerOf(found);
      if (ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, found.spec.template)) {
        created = found;
        alreadyExisted = true;
      } else {
        const status: DeploymentStatus = structuredClone(d.status ?? {});
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.writeStatus(d, status);
        this.deps.log.info({ deployment: `${namespace}/${d.metadata.name}`, collisionCount: status.collisionCount }, 'found a hash collision');
        throw new HashCollisionError(`hash collision for replica set "${candidate.metadata.name}": collisionCount now ${status.collisionCount}`);
      }
    }
    if (!alreadyExisted && replicasOf(created) > 0) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicasOf(created)}`);
    }
    let needsUpdate = setDeploymentRevision(d, String(newRevision));
    const status: DeploymentStatus = structuredClone(d.status ?? {});
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(status, newCondition(progressing, 'True', reasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, nowMs));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d, status);
    return created;
  }

  private async reconcileNewReplicaSet(d: DeploymentObject, allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined): Promise<boolean> {
    if (!newRS) return false;
    const want = desiredReplicas(d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleReplicaSetAndRecordEvent(newRS, want, d);
    return this.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(d, allRSs, newRS), d);
  }

  /**
   * Scales old ReplicaSets down as far as availability allows: first the
   * replicas that are not available anyway (they cost no availability), then
   * available ones down to desired - maxUnavailable.
   */
  private async reconcileOldReplicaSets(
    d: DeploymentObject,
    allRSs: (ReplicaSetObject | undefined)[],
    oldRSs: ReplicaSetObject[],
    newRS: ReplicaSetObject | undefined,
  ): Promise<boolean> {
    if (specReplicaCount(oldRSs) === 0) return false;
    const allPods = specReplicaCount(allRSs);
    const minAvailable = desiredReplicas(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const { remaining, cleaned } = await this.cleanupUnhealthyReplicas(d, oldRSs, maxScaledDown);
    const scaled = await this.scaleDownOldReplicaSetsForRollingUpdate(d, [...remaining, newRS], remaining);
    return cleaned + scaled > 0;
  }

  private async cleanupUnhealthyReplicas(
    d: DeploymentObject,
    oldRSs: ReplicaSetObject[],
    maxCleanup: number,
  ): Promise<{ remaining: ReplicaSetObject[]; cleaned: number }> {
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    const out: ReplicaSetObject[] = [];
    for (const rs of sorted) {
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (total >= maxCleanup || replicasOf(rs) === 0 || unhealthy <= 0) {
        out.push(rs);
        continue;
      }
      const down = Math.min(maxCleanup - total, unhealthy);
      out.push(await this.scaleReplicaSet(rs, replicasOf(rs) - down, d, 'down'));
      total += down;
    }
    return { remaining: out, cleaned: total };
  }

  private async scaleDownOldReplicaSetsForRollingUpdate(
    d: DeploymentObject,
    allRSs: (ReplicaSetObject | undefined)[],
    oldRSs: ReplicaSetObject[],
  ): Promise<number> {
    const minAvailable = desiredReplicas(d) - maxUnavailable(d);
    const availableNow = availableForScaling(allRSs);
    if (availableNow <= minAvailable) return 0;
    const toScaleDown = availableNow - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= toScaleDown) break;
      if (replicasOf(rs) === 0) continue;
      const down = Math.min(replicasOf(rs), toScaleDown - total);
      await this.scaleReplicaSet(rs, replicasOf(rs) - down, d, 'down');
      total += down;
    }
    return total;
  }

  /** Resizes: the one active ReplicaSet takes all; otherwise proportional across active ones. */
  private async scale(d: DeploymentObject, newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): Promise<void> {
    const want = desiredReplicas(d);
    const single = findActiveOrLatest(newRS, oldRSs);
    if (single) {
      if (replicasOf(single) !== want) await this.scaleReplicaSetAndRecordEvent(single, want, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const active = activeReplicaSets([...oldRSs, newRS]);
    const { sizes, direction } = proportionalSizes(d, active);
    for (const rs of active) {
      await this.scaleReplicaSet(rs, sizes.get(rs.metadata.name ?? '') ?? replicasOf(rs), d, direction);
    }
  }

  private async scaleReplicaSetAndRecordEvent(rs: ReplicaSetObject, size: number, d: DeploymentObject): Promise<boolean> {
    if (replicasOf(rs) === size) return false;
    await this.scaleReplicaSet(rs, size, d, replicasOf(rs) < size ? 'up' : 'down');
    return true;
  }

  private async scaleReplicaSet(rs: ReplicaSetObject, size: number, d: DeploymentObject, direction: string): Promise<ReplicaSetObject> {
    const sizeChanged = replicasOf(rs) !== size;
    const max = desiredReplicas(d) + maxSurge(d);
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desiredReplicas(d), max)) return rs;
    const copy = structuredClone(rs);
    const from = replicasOf(rs);
    copy.spec.replicas = size;
    setReplicasAnnotations(copy, desiredReplicas(d), max);
    const updated = await this.deps.replicaSets.update(copy.metadata.namespace, copy);
    if (sizeChanged) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${size}`);
    }
    return updated;
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(d: DeploymentObject, oldRSs: ReplicaSetObject[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    const sorted = [...cleanable].sort(byRevision);
    for (const rs of sorted.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.replicaSets.delete(rs.metadata.namespace, rs.metadata.name ?? '', { preconditions: { uid: rs.metadata.uid ?? '' } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  calculateStatus(allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined, d: DeploymentObject): DeploymentStatus {
    const availableNow = availableReplicaCount(allRSs);
    const total = specReplicaCount(allRSs);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: actualReplicaCount(allRSs),
      updatedReplicas: actualReplicaCount([newRS]),
      readyReplicas: readyReplicaCount(allRSs),
      availableReplicas: availableNow,
      unavailableReplicas: Math.max(0, total - availableNow),
      ...(d.status?.conditions ? { conditions: structuredClone(d.status.conditions) } : {}),
      ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    };
    const nowMs = this.deps.now();
    if (availableNow >= desiredReplicas(d) - maxUnavailable(d)) {
      setCondition(status, newCondition(available, 'True', reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
    } else {
      setCondition(status, newCondition(available, 'False', reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
    }
    return status;
  }

  /** syncRolloutStatus: status plus the Progressing condition, and a requeue for the progress deadline. */
  async syncRolloutStatus(d: DeploymentObject, allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    const nowMs = this.deps.now();
    if (!hasProgressDeadline(d)) removeCondition(status, progressing);
    const current = getCondition(d.status, progressing);
    const complete = status.replicas === status.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition(progressing, 'True', reasons.newReplicaSetAvailable, `${what} has successfully progressed.`, nowMs));
      } else if (deploymentProgressing(d, status)) {
        const cond = newCondition(progressing, 'True', reasons.replicaSetUpdated, `${what} is progressing.`, nowMs);
        if (current?.status === 'True' && current.lastTransitionTime) cond.lastTransitionTime = current.lastTransitionTime;
        // Removed first so lastUpdateTime moves even when the reason stays: progress restarts the deadline.
        removeCondition(status, progressing);
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, nowMs)) {
        setCondition(status, newCondition(progressing, 'False', reasons.timedOut, `${what} has timed out progressing.`, nowMs));
      }
    }
    const failure = replicaFailureOf(allRSs, newRS);
    if (failure) {
      setCondition(status, { ...failure, type: replicaFailureType, lastUpdateTime: failure.lastTransitionTime ?? '' });
    } else {
      removeCondition(status, replicaFailureType);
    }
    if (JSON.stringify(status) === JSON.stringify(d.status ?? {})) {
      this.requeueStuck(d, status, nowMs);
      return;
    }
    await this.writeStatus(d, status);
  }

  /** Comes back when the progress deadline would pass, so a stuck rollout is reported without any event. */
  private requeueStuck(d: DeploymentObject, status: DeploymentStatus, nowMs: number): void {
    const cond = getCondition(d.status, progressing);
    if (!hasProgressDeadline(d) || !cond) return;
    if (deploymentComplete(d, status) || cond.reason === reasons.timedOut) return;
    const from = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : NaN;
    if (!Number.isFinite(from)) return;
    const after = from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - nowMs;
    this.deps.requeueAfter(d, Math.max(after, 0) + 1000);
  }
}

/** The ReplicaFailure condition of the new ReplicaSet, or else of the first old one reporting it. */
function replicaFailureOf(allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject | undefined) {
  const order = newRS ? [newRS, ...allRSs.filter((rs) => rs !== newRS)] : allRSs;
  for (const rs of order) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    if (c) return c;
  }
  return undefined;
}

/** oldPodsRunning: Recreate must not start new pods while any old pod may still run. */
export function oldPodsRunning(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[], podsByRS: Map<string, PodObject[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
