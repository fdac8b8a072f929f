// A StatefulSet's ControllerRevisions (Kubernetes' getStatefulSetRevisions,
// newRevision and truncateHistory over pkg/controller/history): the update
// revision is the one holding the current template, created when new and
// renumbered to the top when the template goes back to an older one; the
// current revision is the one status.currentRevision names.
import { isAlreadyExists, isNotFound, type ResourceClient } from '../../src/client/index.js';
import { newControllerRef } from '../common/controller-ref.js';
import {
  controllerRevisionName,
  hashControllerRevision,
  revisionDataEqual,
  revisionHashLabel,
  revisionsToPrune,
  sortRevisions,
  templatePatch,
  type ControllerRevisionObject,
} from '../common/controller-revision.js';
import type { PodObject } from '../replicaset/pods.js';
import { podRevision, type StatefulSetObject } from './identity.js';

export const statefulSetKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

/** newRevision: the revision the set's template would be stored as (not yet created). */
export function newRevision(set: StatefulSetObject, revision: number, collisionCount: number): ControllerRevisionObject {
  const data = templatePatch(set.spec.template);
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(set.metadata.name ?? '', hash),
      namespace: set.metadata.namespace ?? '',
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [revisionHashLabel]: hash },
      annotations: { ...(set.metadata.annotations ?? {}) },
      ownerReferences: [newControllerRef(set, statefulSetKind)],
    },
    data,
    revision,
  };
}

/** history.EqualRevision: same hash label when both have one, and the same data. */
function equalRevision(a: ControllerRevisionObject, b: ControllerRevisionObject): boolean {
  const ha = a.metadata.labels?.[revisionHashLabel];
  const hb = b.metadata.labels?.[revisionHashLabel];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionDataEqual(a.data, b.data);
}

export interface SetRevisions {
  current: ControllerRevisionObject;
  update: ControllerRevisionObject;
  collisionCount: number;
}

/** getStatefulSetRevisions. */
export async function statefulSetRevisions(
  set: StatefulSetObject,
  owned: ControllerRevisionObject[],
  revisions: ResourceClient<ControllerRevisionObject>,
): Promise<SetRevisions> {
  const sorted = sortRevisions(owned);
  let collisionCount = set.status?.collisionCount ?? 0;
  const next = sorted.length ? (sorted[sorted.length - 1]!.revision ?? 0) + 1 : 1;
  let update = newRevision(set, next, collisionCount);
  const equal = sorted.filter((r) => revisionDataEqual(r.data, update.data));
  const last = sorted[sorted.length - 1];
  if (equal.length && last && equalRevision(last, equal[equal.length - 1]!)) {
    // Unchanged template: the newest revision is already the update revision.
    update = last;
  } else if (equal.length) {
    // Back to an older template: that revision becomes the newest again.
    const older = equal[equal.length - 1]!;
    update = await revisions.update(older.metadata.namespace, { ...older, revision: next });
  } else {
    ({ revision: update, collisionCount } = await createRevision(set, update, collisionCount, revisions));
  }
  const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** CreateControllerRevision: on a name taken by other data, the collision count grows and the name changes. */
async function createRevision(
  set: StatefulSetObject,
  cr: ControllerRevisionObject,
  collisionCount: number,
  revisions: ResourceClient<ControllerRevisionObject>,
): Promise<{ revision: ControllerRevisionObject; collisionCount: number }> {
  for (let attempt = 0; ; attempt++) {
    const hash = hashControllerRevision(cr.data, collisionCount);
    const candidate: ControllerRevisionObject = {
      ...cr,
      metadata: { ...cr.metadata, name: controllerRevisionName(set.metadata.name ?? '', hash), labels: { ...cr.metadata.labels, [revisionHashLabel]: hash } },
    };
    try {
      return { revision: await revisions.create(candidate.metadata.namespace, candidate), collisionCount };
    } catch (err) {
      if (!isAlreadyExists(err) || attempt > 100) throw err;
      const existing = await revisions.get(candidate.metadata.namespace, candidate.metadata.name ?? '');
      if (revisionDataEqual(existing.data, candidate.data)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
}

/** truncateHistory: deletes the oldest revisions beyond revisionHistoryLimit that no pod and neither revision uses. */
export async function truncateHistory(
  set: StatefulSetObject,
  pods: readonly PodObject[],
  owned: ControllerRevisionObject[],
  current: ControllerRevisionObject | undefined,
  update: ControllerRevisionObject | undefined,
  revisions: ResourceClient<ControllerRevisionObject>,
): Promise<void> {
  const live = new Set<string>();
  if (current) live.add(current.metadata.name ?? '');
  if (update) live.add(update.metadata.name ?? '');
  for (const p of pods) live.add(podRevision(p));
  const victims = revisionsToPrune(owned, (r) => live.has(r.metadata.name ?? ''), set.spec.revisionHistoryLimit ?? 10);
  for (const cr of victims) {
    try {
      await revisions.delete(cr.metadata.namespace, cr.metadata.name ?? '', { preconditions: { uid: cr.metadata.uid ?? '' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
