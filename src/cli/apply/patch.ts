// kubectl's client-side apply arithmetic: the last-applied-configuration
// annotation it writes, and the three-way patch (last applied, file, live)
// that changes what the file changed and removes what the file removed while
// leaving what others set alone.
import type { KubeObject } from '../../api/meta.js';
import { createThreeWayMergePatch } from '../../machinery/patch/merge.js';
import { createThreeWayStrategicMergePatch } from '../../machinery/patch/strategic.js';
import type { JsonObject } from '../../machinery/patch/values.js';
import { goJsonCompact } from '../printers/gojson.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The object as apply sends it: the file's object with the annotation set to
 * that same object (without the annotation) in Go's JSON encoding, newline
 * included, exactly as kubectl writes it, so either tool reads the other's.
 */
export function withLastApplied(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  copy.metadata.annotations = annotations;
  const original = goJsonCompact(copy) + '\n';
  copy.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: original };
  return copy;
}

/** The last applied configuration stored on a live object, or undefined when there is none. */
export function lastAppliedOf(obj: KubeObject): unknown {
  const text = obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The patch apply sends for a live object: strategic for built-in types (list
 * items merged by key), a JSON merge patch otherwise. `{}` means unchanged.
 */
export function applyPatchFor(modified: KubeObject, current: KubeObject, strategic: boolean): JsonObject {
  const original = lastAppliedOf(current) ?? null;
  return strategic
    ? createThreeWayStrategicMergePatch(original, modified, current)
    : createThreeWayMergePatch(original, modified, current);
}
