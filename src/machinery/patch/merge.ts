// JSON merge patch (RFC 7386): applying one, computing one between two
// documents, and the three-way variant kubectl's client-side apply sends for
// types that have no strategic merge metadata (custom resources).
import { cloneJson, hasKey, isObject, jsonEqual, kindOf, setKey, type JsonObject, type JsonValue } from './values.js';

function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setKey(out, k, mergeInto(hasKey(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/** RFC 7386: null deletes a key, objects merge recursively, anything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  return mergeInto(target === undefined ? undefined : cloneJson(target), cloneJson(patch));
}

function diff(original: JsonObject, modified: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, mv] of Object.entries(modified)) {
    if (!hasKey(original, k)) {
      setKey(out, k, mv);
      continue;
    }
    const ov = original[k];
    if (isObject(ov) && isObject(mv)) {
      const sub = diff(ov, mv);
      if (Object.keys(sub).length > 0) setKey(out, k, sub);
    } else if (kindOf(ov) !== kindOf(mv) || !jsonEqual(ov, mv)) {
      setKey(out, k, mv);
    }
  }
  for (const k of Object.keys(original)) if (!hasKey(modified, k)) setKey(out, k, null);
  return out;
}

/**
 * The merge patch that turns original into modified: changed and added fields,
 * null for removed ones, arrays whole. Non-object documents are replaced whole.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  const o = cloneJson(original);
  const m = cloneJson(modified);
  if (isObject(o) && isObject(m)) return diff(o, m);
  return m;
}

/** Keeps only the deletions (keepNull) or only the additions and changes of a merge patch. */
function filterNulls(m: JsonObject, keepNull: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === null) {
      if (keepNull) setKey(out, k, null);
    } else if (isObject(v)) {
      // An explicitly empty object is a value to set, not an empty patch.
      if (Object.keys(v).length === 0) {
        if (!keepNull) setKey(out, k, v);
        continue;
      }
      const sub = filterNulls(v, keepNull);
      if (Object.keys(sub).length > 0) setKey(out, k, sub);
    } else if (!keepNull) {
      setKey(out, k, v);
    }
  }
  return out;
}

/**
 * kubectl's client-side apply for plain JSON types: the additions and changes
 * from the live object to the file, plus the deletions of fields that were in
 * the last applied configuration but are gone from the file. Fields set by
 * others (present live, never in the file) are left alone.
 */
export function createThreeWayMergePatch(lastApplied: unknown, modified: unknown, current: unknown): JsonObject {
  const orEmpty = (v: unknown): JsonObject => {
    const c = v == null ? {} : cloneJson(v);
    if (!isObject(c)) throw new TypeError('a three-way merge patch needs JSON objects');
    return c;
  };
  const o = orEmpty(lastApplied);
  const m = orEmpty(modified);
  const c = orEmpty(current);
  const addAndChange = filterNulls(diff(c, m), false);
  const deletions = filterNulls(diff(o, m), true);
  const merged = mergeInto(deletions, addAndChange);
  return isObject(merged) ? merged : {};
}
