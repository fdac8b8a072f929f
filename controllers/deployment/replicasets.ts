// A Deployment's ReplicaSets as Kubernetes' deploymentutil sees them: which
// one is new (its template equals the Deployment's, ignoring the hash label),
// which are old, their revisions and annotations, replica arithmetic for
// rolling updates and proportional scaling. Everything here is pure.
import type { Deployment } from '../../src/api/apps/v1.js';
import type { PodTemplateSpec } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { ReplicaSetObject } from '../replicaset/status.js';
import { canonicalJson } from './hash.js';
import { resolveFenceposts } from './fenceposts.js';

export type DeploymentObject = Deployment & KubeObject;

export const podTemplateHashLabel = 'pod-template-hash';
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';

/** Annotations a Deployment does not hand down to its ReplicaSets, nor a rollback take back from one (annotationsToSkip). */
export const annotationsNotCopied: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

export const replicasOf = (rs: ReplicaSetObject | undefined): number => rs?.spec.replicas ?? 0;
export const desiredReplicas = (d: DeploymentObject): number => d.spec.replicas ?? 1;

export function isRollingUpdate(d: DeploymentObject): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** MaxSurge: extra pods allowed above desired during a rolling update (0 for Recreate). */
export function maxSurge(d: DeploymentObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d))[0];
}

/** MaxUnavailable: pods allowed to be unavailable during a rolling update, never more than desired. */
export function maxUnavailable(d: DeploymentObject): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const unavailable = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas)[1];
  return Math.min(unavailable, replicas);
}

function createdMs(o: KubeObject): number {
  const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreation(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = createdMs(a) - createdMs(b);
  if (d !== 0) return d;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** ReplicaSetsBySizeNewer: larger first, ties newest first. */
export function bySizeNewer(a: ReplicaSetObject, b: ReplicaSetObject): number {
  if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
  return byCreation(b, a);
}

/** ReplicaSetsBySizeOlder: larger first, ties oldest first. */
export function bySizeOlder(a: ReplicaSetObject, b: ReplicaSetObject): number {
  if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
  return byCreation(a, b);
}

/** The revision number an object carries (0 when none or unparsable). */
export function revisionOf(o: KubeObject): number {
  const v = o.metadata.annotations?.[revisionAnnotation];
  if (v === undefined || !/^\d+$/.test(v)) return 0;
  return Number(v);
}

/** ReplicasetsByRevision: lowest revision first, ties by creation. */
export function byRevision(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const d = revisionOf(a) - revisionOf(b);
  return d !== 0 ? d : byCreation(a, b);
}

export function maxRevision(rss: ReplicaSetObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * The template as Go would hold it after decoding: a null is the zero value
 * (kubectl rollout undo sends metadata.creationTimestamp: null) and an empty
 * list is a nil one, so neither tells two templates apart, as they do not
 * for Kubernetes' semantic equality.
 */
function semantic(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(semantic);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = semantic(x);
  }
  return out;
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const copy = semantic(structuredClone(t ?? {})) as PodTemplateSpec;
  const labels = copy.metadata?.labels;
  if (labels) {
    delete labels[podTemplateHashLabel];
    if (Object.keys(labels).length === 0) delete copy.metadata!.labels;
  }
  return copy;
}

/** EqualIgnoreHash: the two templates are semantically the same once the pod-template-hash label is set aside. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: DeploymentObject, rss: ReplicaSetObject[]): ReplicaSetObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** FindOldReplicaSets: (old ones with replicas, every old one). */
export function findOldReplicaSets(d: DeploymentObject, rss: ReplicaSetObject[]): { old: ReplicaSetObject[]; allOld: ReplicaSetObject[] } {
  const newRS = findNewReplicaSet(d, rss);
  const allOld = rss.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
  return { old: allOld.filter((rs) => replicasOf(rs) !== 0), allOld };
}

export function activeReplicaSets(rss: (ReplicaSetObject | undefined)[]): ReplicaSetObject[] {
  return rss.filter((rs): rs is ReplicaSetObject => rs !== undefined && replicasOf(rs) > 0);
}

/** Sum of spec.replicas. */
export function specReplicaCount(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + replicasOf(rs), 0);
}

/** Sum of status.replicas. */
export function actualReplicaCount(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/**
 * Pods that may exist for these ReplicaSets: a ReplicaSet just scaled down
 * keeps its pods until its controller deletes them, which its status.replicas
 * shows until then. Kubernetes counts spec.replicas alone and so may briefly
 * run more than desired + maxSurge pods; counting the larger of the two keeps
 * the surge a hard limit.
 */
export function podsForSurge(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + Math.max(replicasOf(rs), rs?.status?.replicas ?? 0), 0);
}

/**
 * Available pods that will stay: a ReplicaSet's status may still count pods
 * its controller is about to delete, never more than spec.replicas of them
 * stay. Scaling down on this count (where Kubernetes sums status alone) keeps
 * maxUnavailable a hard limit even when a status lags behind a scale-down.
 */
export function availableForScaling(rss: (ReplicaSetObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + Math.min(rs?.status?.availableReplicas ?? 0, replicasOf(rs)), 0);
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newRSNewReplicas(d: DeploymentObject, allRSs: (ReplicaSetObject | undefined)[], newRS: ReplicaSetObject): number {
  if (!isRollingUpdate(d)) return desiredReplicas(d);
  const replicas = desiredReplicas(d);
  const current = podsForSurge(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

function intAnnotation(rs: ReplicaSetObject, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

export const desiredReplicasAnnotationOf = (rs: ReplicaSetObject): number | undefined => intAnnotation(rs, desiredReplicasAnnotation);

/** IsSaturated: the new ReplicaSet has every replica the Deployment wants, all available. */
export function isSaturated(d: DeploymentObject, rs: ReplicaSetObject | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotationOf(rs);
  if (desired === undefined) return false;
  const replicas = desiredReplicas(d);
  return replicasOf(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** FindActiveOrLatest: the one ReplicaSet with replicas, or the latest when none has; undefined when several have. */
export function findActiveOrLatest(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): ReplicaSetObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from the size the Deployment had when it was last scaled. */
function replicaSetFraction(rs: ReplicaSetObject, d: DeploymentObject): number {
  if (desiredReplicas(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return roundHalfAway((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

/** GetProportion: how many of the replicas to add (or remove, negative) go to rs. */
export function getProportion(rs: ReplicaSetObject | undefined, d: DeploymentObject, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Proportional scaling of several active ReplicaSets (the RollingUpdate branch
 * of Kubernetes' scale): the new size of each, by name.
 */
export function proportionalSizes(d: DeploymentObject, active: ReplicaSetObject[]): { sizes: Map<string, number>; direction: 'up' | 'down' | '' } {
  const replicas = desiredReplicas(d);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicaCount(active);
  let ordered = active;
  let direction: 'up' | 'down' | '' = '';
  if (toAdd > 0) {
    ordered = [...active].sort(bySizeNewer);
    direction = 'up';
  } else if (toAdd < 0) {
    ordered = [...active].sort(bySizeOlder);
    direction = 'down';
  }
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    if (toAdd !== 0) {
      const p = getProportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.name ?? '', replicasOf(rs) + p);
      added += p;
    } else {
      sizes.set(rs.metadata.name ?? '', replicasOf(rs));
    }
  }
  // Rounding leaves a remainder: the largest ReplicaSet takes it.
  if (added !== toAdd && ordered.length > 0) {
    const first = ordered[0]!.metadata.name ?? '';
    sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  }
  return { sizes, direction };
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSetObject, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[desiredReplicasAnnotation] !== String(desired) || a[maxReplicasAnnotation] !== String(max);
}

/** SetReplicasAnnotations, in place; true when something changed. */
export function setReplicasAnnotations(rs: ReplicaSetObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  if (a[desiredReplicasAnnotation] !== String(desired)) {
    a[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (a[maxReplicasAnnotation] !== String(max)) {
    a[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations, in place: the Deployment's own annotations
 * handed down, the revision raised to newRevision (never lowered), the old
 * revision remembered in revision-history, and for a ReplicaSet about to be
 * created the replicas annotations. True when something changed.
 */
export function setNewReplicaSetAnnotations(d: DeploymentObject, rs: ReplicaSetObject, newRevision: number, exists: boolean): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (annotationsNotCopied.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const old = a[revisionAnnotation];
  const oldNum = old !== undefined && /^\d+$/.test(old) ? Number(old) : 0;
  if (oldNum < newRevision) {
    a[revisionAnnotation] = String(newRevision);
    changed = true;
    if (old !== undefined && old !== '') {
      const history = a[revisionHistoryAnnotation];
      a[revisionHistoryAnnotation] = history ? `${history},${old}` : old;
    }
  }
  if (!exists) {
    setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d) + maxSurge(d));
    changed = true;
  }
  return changed;
}

/** SetDeploymentRevision, in place; true when it changed. */
export function setDeploymentRevision(d: DeploymentObject, revision: string): boolean {
  const a = (d.metadata.annotations ??= {});
  if (a[revisionAnnotation] === revision) return false;
  a[revisionAnnotation] = revision;
  return true;
}
