// Controller references (Kubernetes' ControllerRefManager): which objects a
// controller owns, adopting orphans its selector matches and releasing owned
// objects that stopped matching. The patches are Kubernetes' own strategic
// merge patches, carrying the object's uid so they never land on a namesake
// created after the object the decision was made on.
import type { KubeObject, LabelSelector, OwnerReference } from '../../src/api/meta.js';
import { isNotFound, type Informer, type ResourceClient } from '../../src/client/index.js';
import { selectorFromLabelSelector, type Selector } from '../../src/machinery/labels.js';

export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

/** The ownerReference marked controller: true, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** An owner that selects what it controls by spec.selector. */
export type SelectingOwner = KubeObject & { spec: { selector?: LabelSelector | null | undefined } };

/** The owner's spec.selector, or undefined when it does not parse (such an owner controls nothing). */
export function ownerSelector(owner: SelectingOwner): Selector | undefined {
  try {
    return selectorFromLabelSelector(owner.spec.selector);
  } catch {
    return undefined;
  }
}

/** resolveControllerRef: the owner of this kind a controller reference names, if the cache holds that very one (same uid). */
export function resolveControllerRef<T extends KubeObject>(
  owners: Pick<Informer<T>, 'get'>,
  kind: string,
  namespace: string | undefined,
  ref: OwnerReference | undefined,
): T | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.get(`${namespace ?? ''}/${ref.name}`);
  return owner && owner.metadata.uid === ref.uid ? owner : undefined;
}

/** The owners in obj's namespace whose non-empty selector matches its labels: those that may adopt it as an orphan. */
export function ownersSelecting<T extends SelectingOwner>(owners: Pick<Informer<T>, 'list'>, obj: KubeObject): T[] {
  return owners.list(obj.metadata.namespace ?? '').filter((owner) => {
    const sel = ownerSelector(owner);
    return sel !== undefined && !sel.empty() && sel.matches(obj.metadata.labels ?? {});
  });
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: KubeObject, kind: OwnerKind): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerKind: OwnerKind;
  /** the owned kind's client, for the adopt and release patches */
  client: ResourceClient<T>;
  /** whether the owner's selector matches the object */
  match(obj: T): boolean;
  /**
   * Asked once before the first adoption: throws when the owner, read fresh
   * from the apiserver, is being deleted or is not the one the cache shows,
   * so a deleted owner never adopts (RecheckDeletionTimestamp).
   */
  canAdopt(): Promise<void>;
}

/** Thrown by claimObjects after claiming what it could; the sync retries with backoff. */
export class ClaimError extends Error {
  constructor(readonly errors: unknown[]) {
    super(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
    this.name = 'ClaimError';
  }
}

/**
 * The objects the owner controls after adopting matching orphans and
 * releasing owned objects that no longer match. Objects controlled by
 * someone else are never touched.
 */
export async function claimObjects<T extends KubeObject>(objs: T[], opts: ClaimOptions<T>): Promise<T[]> {
  const claimed: T[] = [];
  const errors: unknown[] = [];
  const ownerUid = opts.owner.metadata.uid;
  const ownerDeleting = opts.owner.metadata.deletionTimestamp !== undefined;
  let adoptable: Promise<void> | undefined;
  for (const obj of objs) {
    try {
      const ref = getControllerOf(obj);
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (opts.match(obj)) {
          claimed.push(obj);
          continue;
        }
        if (ownerDeleting) continue;
        await release(obj, opts);
        continue;
      }
      if (ownerDeleting || !opts.match(obj)) continue;
      if (obj.metadata.deletionTimestamp) continue;
      if (opts.owner.metadata.namespace && opts.owner.metadata.namespace !== obj.metadata.namespace) continue;
      adoptable ??= opts.canAdopt();
      await adoptable;
      const adopted = await adopt(obj, opts);
      if (adopted) claimed.push(adopted);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new ClaimError(errors);
  return claimed;
}

async function adopt<T extends KubeObject>(obj: T, opts: ClaimOptions<T>): Promise<T | undefined> {
  const patch = {
    metadata: { ownerReferences: [newControllerRef(opts.owner, opts.ownerKind)], uid: obj.metadata.uid },
  };
  try {
    return await opts.client.patch(obj.metadata.namespace, obj.metadata.name ?? '', patch, 'strategic');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function release<T extends KubeObject>(obj: T, opts: ClaimOptions<T>): Promise<void> {
  const patch = {
    metadata: { ownerReferences: [{ $patch: 'delete', uid: opts.owner.metadata.uid }], uid: obj.metadata.uid },
  };
  try {
    await opts.client.patch(obj.metadata.namespace, obj.metadata.name ?? '', patch, 'strategic');
  } catch (err) {
    // Gone already, or changed identity: either way it is no longer ours.
    if (isNotFound(err)) return;
    throw err;
  }
}

/** RecheckDeletionTimestamp: the canAdopt of a controller that reads its owner fresh with get. */
export function recheckOwner(get: () => Promise<KubeObject>, owner: KubeObject): () => Promise<void> {
  return async () => {
    const fresh = await get();
    if (fresh.metadata.uid !== owner.metadata.uid) {
      throw new Error(`original ${owner.kind ?? 'owner'} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`);
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(`${owner.kind ?? 'owner'} ${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  };
}

/** An informer index of objects by their controller's uid. */
export const controllerUidIndex = 'controllerUID';
export const controllerUidIndexFunc = (obj: KubeObject): string[] => {
  const ref = getControllerOf(obj);
  return ref ? [ref.uid] : [];
};
