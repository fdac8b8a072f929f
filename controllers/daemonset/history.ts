// A DaemonSet's ControllerRevisions (Kubernetes' daemon/update.go
// constructHistory, snapshot, dedupCurHistories, cleanupHistory): one
// revision per template the DaemonSet has had, named <ds>-<template hash>
// and labelled controller-revision-hash=<hash>, the same hash its pods carry.
// The current template's revision always has the highest number, so
// `kubectl rollout undo` to an older one makes it the newest again.
import { isAlreadyExists, isNotFound, type ResourceClient } from '../../src/client/index.js';
import { computeHash } from '../deployment/hash.js';
import { newControllerRef } from '../common/controller-ref.js';
import {
  maxRevision,
  revisionDataEqual,
  revisionHashLabel,
  revisionsToPrune,
  templatePatch,
  type ControllerRevisionObject,
} from '../common/controller-revision.js';
import type { PodObject } from '../replicaset/pods.js';
import type { DaemonSetObject } from './types.js';

export const daemonSetKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

export interface DaemonSetHistoryClients {
  revisions: ResourceClient<ControllerRevisionObject>;
  daemonSets: ResourceClient<DaemonSetObject>;
}

/** Match: whether a revision holds the DaemonSet's current template. */
export function matchesTemplate(ds: DaemonSetObject, cr: ControllerRevisionObject): boolean {
  return revisionDataEqual(templatePatch(ds.spec.template), cr.data);
}

/**
 * The revision of the current template (created or renumbered as needed)
 * and the older ones. Throws after bumping status.collisionCount when the
 * name the hash gives is taken by another template; the retry uses the new
 * count.
 */
export async function constructHistory(
  ds: DaemonSetObject,
  owned: ControllerRevisionObject[],
  clients: DaemonSetHistoryClients,
): Promise<{ current: ControllerRevisionObject; old: ControllerRevisionObject[] }> {
  const namespace = ds.metadata.namespace ?? '';
  const current: ControllerRevisionObject[] = [];
  const old: ControllerRevisionObject[] = [];
  for (let cr of owned) {
    if (cr.metadata.labels?.[revisionHashLabel] === undefined) {
      // The name stands in for a hash so that it can never collide.
      cr = await clients.revisions.update(namespace, {
        ...cr,
        metadata: { ...cr.metadata, labels: { ...cr.metadata.labels, [revisionHashLabel]: cr.metadata.name ?? '' } },
      });
    }
    (matchesTemplate(ds, cr) ? current : old).push(cr);
  }
  const next = maxRevision(old) + 1;
  if (current.length === 0) return { current: await snapshot(ds, next, clients), old };
  // Two revisions of the same template can only come from a lost race; keep the newest.
  const sorted = [...current].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
  let cur = sorted[0]!;
  for (const dup of sorted.slice(1)) {
    try {
      await clients.revisions.delete(namespace, dup.metadata.name ?? '', { preconditions: { uid: dup.metadata.uid ?? '' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if ((cur.revision ?? 0) < next) cur = await clients.revisions.update(namespace, { ...cur, revision: next });
  return { current: cur, old };
}

async function snapshot(ds: DaemonSetObject, revision: number, clients: DaemonSetHistoryClients): Promise<ControllerRevisionObject> {
  const namespace = ds.metadata.namespace ?? '';
  const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
  const name = `${ds.metadata.name ?? ''}-${hash}`;
  const cr: ControllerRevisionObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace,
      labels: { ...(ds.spec.template.metadata?.labels ?? {}), [revisionHashLabel]: hash },
      ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, daemonSetKind)],
    },
    data: templatePatch(ds.spec.template),
    revision,
  };
  try {
    return await clients.revisions.create(namespace, cr);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await clients.revisions.get(namespace, name);
    if (matchesTemplate(ds, existing)) return existing;
    const fresh = await clients.daemonSets.get(namespace, ds.metadata.name ?? '');
    if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet ${namespace}/${ds.metadata.name}; will retry until it is updated`);
    }
    await clients.daemonSets.updateStatus(namespace, { ...fresh, status: { ...fresh.status, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } });
    throw err;
  }
}

/** cleanupHistory: deletes the oldest revisions no pod uses beyond revisionHistoryLimit. */
export async function cleanupHistory(
  ds: DaemonSetObject,
  current: ControllerRevisionObject,
  old: ControllerRevisionObject[],
  pods: readonly PodObject[],
  revisions: ResourceClient<ControllerRevisionObject>,
): Promise<void> {
  const limit = ds.spec.revisionHistoryLimit ?? 10;
  if (old.length <= limit) return;
  const live = new Set<string>([current.metadata.labels?.[revisionHashLabel] ?? '']);
  for (const p of pods) {
    const h = p.metadata.labels?.[revisionHashLabel];
    if (h) live.add(h);
  }
  const victims = revisionsToPrune(old, (r) => live.has(r.metadata.labels?.[revisionHashLabel] ?? ''), limit);
  for (const cr of victims) {
    try {
      await revisions.delete(ds.metadata.namespace, cr.metadata.name ?? '', { preconditions: { uid: cr.metadata.uid ?? '' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
