// ControllerRevisions (Kubernetes' pkg/controller/history and the parts of
// the DaemonSet and StatefulSet controllers that use it): immutable snapshots
// of a workload's pod template, numbered by revision, that DaemonSets and
// StatefulSets keep as their rollout history. The data is Kubernetes' own
// patch, {"spec":{"template":{...,"$patch":"replace"}}}, so `kubectl rollout
// history` and `kubectl rollout undo` read it as they read Kubernetes'.
import type { ControllerRevision } from '../../src/api/apps/v1.js';
import type { PodTemplateSpec } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { ResourceRef } from '../../src/client/index.js';
import { canonicalJson, safeEncodeString } from '../deployment/hash.js';

export type ControllerRevisionObject = ControllerRevision & KubeObject;

export const controllerRevisionsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'controllerrevisions', namespaced: true };

/** apps.ControllerRevisionHashLabelKey: on revisions, and on the pods made from them. */
export const revisionHashLabel = 'controller-revision-hash';

export interface TemplatePatch {
  spec: { template: Record<string, unknown> };
}

/** getPatch: the revision data that replaces the owner's whole template when applied. */
export function templatePatch(template: PodTemplateSpec): TemplatePatch {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The pod template a revision holds (ApplyRevision, for data written by templatePatch). */
export function templateFromRevision(cr: ControllerRevision): PodTemplateSpec | undefined {
  const data = cr.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const spec = (data as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const template = (spec as { template?: unknown }).template;
  if (typeof template !== 'object' || template === null) return undefined;
  const { $patch: _replace, ...rest } = template as Record<string, unknown>;
  return structuredClone(rest) as PodTemplateSpec;
}

/** Whether two revisions hold the same data, whatever the key order they were stored in. */
export function revisionDataEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1 (not 1a): hash/fnv.New32, which HashControllerRevision uses. */
function fnv32(bytes: Uint8Array, seed = FNV32_OFFSET): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h = Math.imul(h, FNV32_PRIME) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/**
 * history.HashControllerRevision: FNV-32 of the data, then of the collision
 * count in decimal, safe-encoded. The data is hashed as canonical JSON
 * (sorted keys) where Kubernetes hashes the bytes it serialized, so names
 * are stable but differ from Kubernetes' for the same template.
 */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  const enc = new TextEncoder();
  let h = fnv32(enc.encode(canonicalJson(data)));
  if (collisionCount !== undefined) h = fnv32(enc.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}

/** history.ControllerRevisionName: the owner's name (cut to 223 characters) and the hash. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** history.SortControllerRevisions: by revision number, then age, then name. */
export function sortRevisions<T extends ControllerRevisionObject>(revisions: T[]): T[] {
  return [...revisions].sort((a, b) => {
    const d = (a.revision ?? 0) - (b.revision ?? 0);
    if (d !== 0) return d;
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

export function maxRevision(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
}

/**
 * The revisions to delete so that at most limit of the ones no longer in use
 * remain, oldest first (truncateHistory / cleanupHistory).
 */
export function revisionsToPrune<T extends ControllerRevisionObject>(revisions: T[], isLive: (r: T) => boolean, limit: number): T[] {
  const history = sortRevisions(revisions).filter((r) => !isLive(r));
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}
