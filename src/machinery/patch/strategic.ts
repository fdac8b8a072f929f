// Strategic merge patch, ported from k8s.io/apimachinery/pkg/util/strategicpatch:
// applying one (what the apiserver does for application/strategic-merge-patch+json)
// and computing the two-way and three-way patches kubectl's client-side apply
// sends. Field metadata comes from strategic-keys.ts instead of Go struct tags.
//
// Where Kubernetes would store a directive or a null verbatim in a new value
// and then lose it when decoding into its typed structs, a value with no
// counterpart in the original is instead merged into an empty one, so no
// "$patch" key or null ever reaches a stored object.
import { goQuote, goStringCompare, goValueString } from '../goformat.js';
import { PatchError } from './json.js';
import { joinPath, lookupPatchMeta, type PatchMeta } from './strategic-keys.js';
import { cloneJson, hasKey, isObject, jsonEqual, kindOf, setKey, type JsonKind, type JsonObject, type JsonValue } from './values.js';

export class StrategicMergePatchError extends PatchError {
  constructor(message: string) {
    super(message);
    this.name = 'StrategicMergePatchError';
  }
}

const DIRECTIVE = '$patch';
const DELETE = 'delete';
const REPLACE = 'replace';
const MERGE = 'merge';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const fail = (msg: string): never => {
  throw new StrategicMergePatchError(msg);
};
const errNoMergeKey = (m: JsonObject, key: string): never =>
  fail(`map: ${goValueString(m)} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: string, actual: unknown): never =>
  fail(`expected a ${expected}, but received a ${kindOf(actual)}`);
const errBadPatchType = (t: unknown, m: JsonObject): never =>
  fail(`unknown patch type: ${goValueString(t)} in map: ${goValueString(m)}`);
const errNoListOfLists = (): never => fail('lists of lists are not supported');

/** Where the patch metadata of a field comes from: by default the k8s.io/api table. */
export type PatchMetaLookup = (path: string) => PatchMeta;

interface MergeOptions {
  /** Server side: apply $deleteFromPrimitiveList and $setElementOrder rather than carry them along. */
  mergeParallelList: boolean;
  /** Server side: a null deletes and is then dropped; client side it is kept to be sent. */
  ignoreUnmatchedNulls: boolean;
  lookup: PatchMetaLookup;
}

function asObject(v: JsonValue): JsonObject {
  return isObject(v) ? v : errBadArgType('map', v);
}

function asList(v: JsonValue): JsonValue[] {
  return Array.isArray(v) ? v : errBadArgType('list', v);
}

/** The common element type of lists; mixed types and lists of lists are errors. */
function sliceElementKind(...lists: JsonValue[][]): JsonKind {
  let prev: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'array') errNoListOfLists();
      } else if (k !== prev) {
        fail(`list element types are not identical: ${goValueString(lists)}`);
      }
    }
  }
  return prev ?? fail('no elements in any of the given slices');
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) fail('invalid patch format of primitive list');
    if (prefix === SET_ELEMENT_ORDER) fail('invalid patch format of setElementOrder list');
    fail(`fail to find unknown prefix ${goQuote(prefix)} in ${s}`);
  }
  return s.slice(slash + 1);
}

function sameKeyValue(a: JsonObject, b: JsonObject, mergeKey: string): boolean {
  return hasKey(a, mergeKey) && hasKey(b, mergeKey) && a[mergeKey] === b[mergeKey];
}

function findByKey(list: JsonValue[], mergeKey: string, value: JsonValue): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isObject(v)) fail(`value for key ${i} is not a map.`);
    if (hasKey(v as JsonObject, mergeKey) && (v as JsonObject)[mergeKey] === value) return i;
  }
  return -1;
}

function dedupe(list: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

// ---- ordering ----

/** Position of an item in a list: by merge key value for objects, by value otherwise. */
function indexIn(list: JsonValue[], item: JsonValue, mergeKey: string, kind: JsonKind): number {
  const val = (x: JsonValue): JsonValue | undefined =>
    kind === 'object' ? (isObject(x) ? (hasKey(x, mergeKey) ? x[mergeKey] : null) : undefined) : x;
  const target = val(item);
  return list.findIndex((x) => val(x) === target);
}

function extractToDeleteItems(list: JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const del: JsonValue[] = [];
  for (const v of list) {
    const m = asObject(v);
    if (m[DIRECTIVE] === DELETE) del.push(v);
    else keep.push(v);
  }
  return [keep, del];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: JsonValue[][]): void {
  for (const list of lists) for (const item of list) if (!hasKey(asObject(item), mergeKey)) errNoMergeKey(item as JsonObject, mergeKey);
}

/** Sorts by position in `order`; deletion directives go last. */
function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: JsonKind): JsonValue[] {
  let items = toSort;
  let toDelete: JsonValue[] = [];
  if (kind === 'object') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const ranked = items.map((v, i) => ({ v, i, r: indexIn(order, v, mergeKey, kind) }));
  ranked.sort((a, b) => (a.r >= 0 && b.r >= 0 ? a.r - b.r : a.i - b.i));
  return [...ranked.map((x) => x.v), ...toDelete];
}

/**
 * Interleaves the server-only items (left) into the patch items (right),
 * keeping each list's own order; a server-only item goes before a patch item
 * only when both are in the live list and it comes first there.
 */
function mergeSortedSlice(left: JsonValue[], right: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: JsonKind): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partition(list: JsonValue[], by: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inBy: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const v of list) {
    let found: boolean;
    if (mergeKey === '') {
      found = by.includes(v);
    } else {
      const m = asObject(v);
      if (!hasKey(m, mergeKey)) errNoMergeKey(m, mergeKey);
      found = findByKey(by, mergeKey, m[mergeKey]!) >= 0;
    }
    (found ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

// ---- applying ----

/**
 * A value taking the place of nothing (or replacing wholesale), on the server:
 * merged into an empty value so directives are honoured and nulls dropped.
 */
function fresh(v: JsonValue, path: string, opts: MergeOptions): JsonValue {
  if (isObject(v)) return mergeMap({}, v, path, opts);
  if (Array.isArray(v)) {
    const meta = opts.lookup(path);
    const items = meta.strategy === MERGE ? v.filter((x) => !(isObject(x) && hasKey(x, DIRECTIVE))) : v;
    return items.map((x) => (isObject(x) ? mergeMap({}, x, path, opts) : x));
  }
  return v;
}

function handleDirectiveInMergeMap(directive: JsonValue, patch: JsonObject, path: string, opts: MergeOptions): JsonObject {
  if (directive === REPLACE) {
    delete patch[DIRECTIVE];
    return opts.ignoreUnmatchedNulls ? mergeMap({}, patch, path, opts) : patch;
  }
  if (directive === DELETE) return {};
  return errBadPatchType(directive, patch);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, opts: MergeOptions): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS]!;
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    // Merging two patches: both must name the same keys.
    if (hasKey(original, RETAIN_KEYS)) {
      if (!jsonEqual(original[RETAIN_KEYS], retain)) {
        fail(
          `${goValueString(original[RETAIN_KEYS])} and ${goValueString(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`,
        );
      }
    } else {
      original[RETAIN_KEYS] = retain;
    }
    return;
  }
  if (!Array.isArray(retain)) fail('invalid patch format of retainKeys');
  const keep = new Set(retain as JsonValue[]);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) fail('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function validatePatchWithSetOrderList(patchList: JsonValue[], setOrder: JsonValue[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let pi = 0;
  let si = 0;
  while (pi < nonDelete.length && si < setOrder.length) {
    const item = nonDelete[pi]!;
    if (isObject(item) && hasKey(item, DIRECTIVE)) {
      pi++;
      continue;
    }
    let equal: boolean;
    if (mergeKey === '') {
      equal = item === setOrder[si];
    } else {
      const a = asObject(item);
      const b = asObject(setOrder[si]!);
      if (!hasKey(a, mergeKey)) errNoMergeKey(a, mergeKey);
      if (!hasKey(b, mergeKey)) errNoMergeKey(b, mergeKey);
      equal = a[mergeKey] === b[mergeKey];
    }
    if (equal) pi++;
    si++;
  }
  if (pi < nonDelete.length && si >= setOrder.length) {
    fail(
      `The order in patch list:\n${goValueString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValueString(setOrder)}\n`,
    );
  }
}

/** Applies each $setElementOrder/<list> together with <list>, then orders the result by it. */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, path: string, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const setOrderValue = patch[key]!;
    if (!opts.mergeParallelList) {
      if (hasKey(original, key)) {
        if (!jsonEqual(original[key], setOrderValue)) fail('invalid patch format of setElementOrder list');
      } else {
        original[key] = setOrderValue;
      }
    }
    delete patch[key];
    const setOrder = asList(setOrderValue);
    const listKey = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = hasKey(original, listKey);
    const foundPatch = hasKey(patch, listKey);
    const originalList = foundOriginal ? asList(original[listKey]!) : [];
    const patchList = foundPatch ? asList(patch[listKey]!) : [];
    const listPath = joinPath(path, listKey);
    const meta = opts.lookup(listPath);
    const mergeKey = meta.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, setOrder, mergeKey);

    let merged: JsonValue[];
    const view = new SharedListView(originalList);
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = opts.ignoreUnmatchedNulls ? asList(fresh(patchList, listPath, opts)) : patchList;
    else if (foundOriginal && foundPatch) {
      merged =
        meta.strategy === MERGE
          ? mergeSlice(originalList, patchList, listPath, mergeKey, opts, false, view)
          : opts.ignoreUnmatchedNulls
            ? asList(fresh(patchList, listPath, opts))
            : patchList;
    } else continue;

    if (originalList.length === 0 && patchList.length === 0) {
      setKey(original, listKey, merged);
      delete patch[listKey];
      continue;
    }
    const [patchItems, serverOnly] = partition(merged, setOrder, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    setKey(original, listKey, normalizeElementOrder(patchItems, serverOnly, setOrder, view.original, mergeKey, kind));
    delete patch[listKey];
  }
}

/**
 * The array under a Go slice. Kubernetes deletes list items in place and then
 * appends new ones to the same array, so its caller's view of the original
 * list, which $setElementOrder later orders against, sees the appended items
 * in the slots the deletions freed. The resulting order depends on that, so
 * the view is reproduced here.
 */
class SharedListView {
  private readonly cells: JsonValue[];
  private length: number;
  constructor(items: readonly JsonValue[]) {
    this.cells = [...items];
    this.length = items.length;
  }
  /** What a holder of the original slice now sees. */
  get original(): JsonValue[] {
    return this.cells;
  }
  /** The items still in the list. */
  get live(): JsonValue[] {
    return this.cells.slice(0, this.length);
  }
  removeAt(k: number): void {
    for (let i = k; i < this.length - 1; i++) this.cells[i] = this.cells[i + 1]!;
    this.length--;
  }
  append(v: JsonValue): void {
    if (this.length < this.cells.length) this.cells[this.length] = v;
    this.length++;
  }
}

function mergeSliceWithSpecialElements(
  view: SharedListView,
  patch: JsonValue[],
  mergeKey: string,
  path: string,
  opts: MergeOptions,
): { base: JsonValue[]; items: JsonValue[]; replaced: boolean } {
  const plain: JsonValue[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonObject;
    if (!hasKey(m, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    switch (m[DIRECTIVE]) {
      case DELETE: {
        if (!hasKey(m, mergeKey)) errNoMergeKey(m, mergeKey);
        for (let k = findByKey(view.live, mergeKey, m[mergeKey]!); k >= 0; k = findByKey(view.live, mergeKey, m[mergeKey]!)) {
          view.removeAt(k);
        }
        break;
      }
      case REPLACE:
        // The other items become the whole list.
        replace = true;
        break;
      case MERGE:
        fail('merging lists cannot yet be specified in the patch');
        break;
      default:
        errBadPatchType(m[DIRECTIVE], m);
    }
  }
  if (replace) {
    return { base: opts.ignoreUnmatchedNulls ? plain.map((x) => fresh(x, path, opts)) : plain, items: [], replaced: true };
  }
  return { base: view.live, items: plain, replaced: false };
}

function mergeSlice(
  original: JsonValue[],
  patch: JsonValue[],
  path: string,
  mergeKey: string,
  opts: MergeOptions,
  isDeleteList: boolean,
  view: SharedListView = new SharedListView(original),
): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: JsonValue[];
  let base = original;
  let items = patch;
  if (kind !== 'object') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = dedupe([...original, ...patch]);
  } else {
    if (mergeKey === '') fail(`cannot merge lists without merge key for ${path}`);
    const special = mergeSliceWithSpecialElements(view, patch, mergeKey, path, opts);
    base = special.base;
    items = special.items;
    merged = [...base];
    for (const v of items) {
      const m = v as JsonObject;
      if (!hasKey(m, mergeKey)) errNoMergeKey(m, mergeKey);
      const at = findByKey(merged, mergeKey, m[mergeKey]!);
      if (at >= 0) {
        merged[at] = mergeMap(merged[at] as JsonObject, m, path, opts);
      } else {
        const added = opts.ignoreUnmatchedNulls ? fresh(m, path, opts) : m;
        merged.push(added);
        if (!special.replaced) view.append(added);
      }
    }
  }
  const [patchItems, serverOnly] = partition(merged, items, kind === 'object' ? mergeKey : '');
  return normalizeElementOrder(patchItems, serverOnly, items, base, kind === 'object' ? mergeKey : '', kind);
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string, opts: MergeOptions): JsonObject {
  if (hasKey(patch, DIRECTIVE)) return handleDirectiveInMergeMap(patch[DIRECTIVE]!, patch, path, opts);
  applyRetainKeysDirective(original, patch, opts);
  mergePatchIntoOriginal(original, patch, path, opts);

  for (const patchKey of Object.keys(patch)) {
    const pv = patch[patchKey]!;
    let k = patchKey;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      if (!opts.mergeParallelList) {
        setKey(original, k, pv);
        continue;
      }
      k = extractKey(k, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    if (pv === null) {
      delete original[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    const childPath = joinPath(path, k);
    const replacement = (): JsonValue => (opts.ignoreUnmatchedNulls ? fresh(pv, childPath, opts) : pv);
    if (!hasKey(original, k)) {
      if (!isDeleteList) setKey(original, k, replacement());
      continue;
    }
    const ov = original[k]!;
    if (kindOf(ov) !== kindOf(pv)) {
      if (!isDeleteList) setKey(original, k, replacement());
      continue;
    }
    const meta = opts.lookup(childPath);
    if (isObject(ov) && isObject(pv)) {
      setKey(original, k, meta.strategy === REPLACE ? replacement() : mergeMap(ov, pv, childPath, opts));
    } else if (Array.isArray(ov) && Array.isArray(pv)) {
      if (meta.strategy === MERGE) setKey(original, k, mergeSlice(ov, pv, childPath, meta.mergeKey ?? '', opts, isDeleteList));
      else if (isDeleteList) setKey(original, k, ov.filter((v) => !pv.includes(v)));
      else setKey(original, k, replacement());
    } else {
      setKey(original, k, pv);
    }
  }
  return original;
}

function documentOf(v: unknown, what: string): JsonObject {
  const c = v == null ? {} : cloneJson(v);
  if (!isObject(c)) throw new StrategicMergePatchError(`invalid JSON document: the ${what} must be an object`);
  return c;
}

/**
 * Applies a strategic merge patch. Lists of objects merge by their patch
 * merge key (containers by name, ports by containerPort, ...), other lists
 * are replaced, null deletes a key, and the directives $patch
 * (replace/delete/merge), $retainKeys, $deleteFromPrimitiveList/<list> and
 * $setElementOrder/<list> work as in Kubernetes. `schemaPath` is where the
 * documents sit inside an object ("" for a whole object; "spec" for a bare
 * PodSpec); `lookup` supplies field metadata for types outside the built-in
 * table. Throws StrategicMergePatchError.
 */
export function applyStrategicMergePatch(
  original: unknown,
  patch: unknown,
  schemaPath = '',
  lookup: PatchMetaLookup = lookupPatchMeta,
): JsonObject {
  return mergeMap(documentOf(original, 'original'), documentOf(patch, 'patch'), schemaPath, {
    mergeParallelList: true,
    ignoreUnmatchedNulls: true,
    lookup,
  });
}

// ---- computing patches ----

interface DiffOptions {
  lookup: PatchMetaLookup;
  setElementOrder: boolean;
  ignoreChangesAndAdditions: boolean;
  ignoreDeletions: boolean;
  buildRetainKeysDirective: boolean;
}

const byGoString = (a: JsonValue, b: JsonValue): number => goStringCompare(goValueString(a), goValueString(b));

function hasAdditionalNewField(original: JsonObject, modified: JsonObject): boolean {
  return Object.entries(original).some(([k, v]) => v !== null && !hasKey(modified, k));
}

function diffMaps(original: JsonObject, modified: JsonObject, path: string, opts: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const [key, mv] of Object.entries(modified)) {
    if (opts.buildRetainKeysDirective && mv !== null) retainKeys.push(key);
    if (!hasKey(original, key)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    const ov = original[key]!;
    if (key === DIRECTIVE) {
      if (typeof ov !== 'string' || typeof mv !== 'string') fail(`invalid value for special key: ${DIRECTIVE}`);
      if (ov !== mv) patch[DIRECTIVE] = mv;
      continue;
    }
    if (kindOf(ov) !== kindOf(mv)) {
      if (!opts.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    const childPath = joinPath(path, key);
    if (isObject(ov) && isObject(mv)) {
      const meta = opts.lookup(childPath);
      if (meta.strategy === REPLACE) {
        if (!opts.ignoreChangesAndAdditions) setKey(patch, key, mv);
      } else {
        const sub = diffMaps(ov, mv, childPath, { ...opts, buildRetainKeysDirective: meta.retainKeys === true });
        if (Object.keys(sub).length > 0) setKey(patch, key, sub);
      }
    } else if (Array.isArray(ov) && Array.isArray(mv)) {
      const meta = opts.lookup(childPath);
      if (meta.strategy === MERGE) {
        const mergeKey = meta.mergeKey ?? '';
        const [add, del, order] = diffLists(ov, mv, childPath, mergeKey, {
          ...opts,
          buildRetainKeysDirective: meta.retainKeys === true,
        });
        if (add.length > 0) setKey(patch, key, add);
        if (del.length > 0) patch[`${DELETE_FROM_PRIMITIVE_LIST}/${key}`] = del;
        if (order.length > 0) patch[`${SET_ELEMENT_ORDER}/${key}`] = order;
      } else if (!opts.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) {
        setKey(patch, key, mv);
      }
    } else if (!opts.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) {
      setKey(patch, key, mv);
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField(original, modified))) {
    patch[RETAIN_KEYS] = [...retainKeys].sort(goStringCompare);
  }
  return patch;
}

function diffLists(
  original: JsonValue[],
  modified: JsonValue[],
  path: string,
  mergeKey: string,
  opts: DiffOptions,
): [JsonValue[], JsonValue[], JsonValue[]] {
  if (original.length === 0) {
    if (modified.length === 0 || opts.ignoreChangesAndAdditions) return [[], [], []];
    return [modified, [], []];
  }
  const kind = sliceElementKind(original, modified);
  if (kind === 'object') {
    const [changes, deletions] = diffListsOfMaps(original, modified, path, mergeKey, opts);
    const patchList = [...normalizeSliceOrder(changes, modified, mergeKey, kind), ...deletions];
    const orderSame =
      original.length === modified.length &&
      modified.every((m, i) => keyValueOf(asObject(original[i]!), mergeKey) === keyValueOf(asObject(m), mergeKey));
    let setOrder: JsonValue[] = [];
    if (
      opts.setElementOrder &&
      ((!opts.ignoreChangesAndAdditions && (patchList.length > 0 || !orderSame)) ||
        (!opts.ignoreDeletions && patchList.length > 0))
    ) {
      setOrder = modified.map((m) => ({ [mergeKey]: keyValueOf(asObject(m), mergeKey) }));
    }
    return [patchList, [], setOrder];
  }
  const [adds, deletions] = diffListsOfScalars(original, modified, opts);
  const patchList = normalizeSliceOrder(adds, modified, '', kind);
  let setOrder: JsonValue[] = [];
  if (
    opts.setElementOrder &&
    ((!opts.ignoreDeletions && deletions.length > 0) || (!opts.ignoreChangesAndAdditions && !jsonEqual(original, modified)))
  ) {
    setOrder = modified;
  }
  return [patchList, deletions, setOrder];
}

function keyValueOf(m: JsonObject, mergeKey: string): JsonValue {
  return hasKey(m, mergeKey) ? m[mergeKey]! : errNoMergeKey(m, mergeKey);
}

function diffListsOfScalars(original: JsonValue[], modified: JsonValue[], opts: DiffOptions): [JsonValue[], JsonValue[]] {
  const os = [...original].sort(byGoString);
  const ms = [...modified].sort(byGoString);
  const adds: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    if (i < os.length && j < ms.length) {
      const c = byGoString(os[i]!, ms[j]!);
      if (c === 0) {
        i++;
        j++;
      } else if (c > 0) {
        if (!opts.ignoreChangesAndAdditions) adds.push(ms[j]!);
        j++;
      } else {
        if (!opts.ignoreDeletions) deletions.push(os[i]!);
        i++;
      }
    } else if (i >= os.length) {
      if (!opts.ignoreChangesAndAdditions) adds.push(ms[j]!);
      j++;
    } else {
      if (!opts.ignoreDeletions) deletions.push(os[i]!);
      i++;
    }
  }
  return [adds, dedupe(deletions)];
}

function diffListsOfMaps(
  original: JsonValue[],
  modified: JsonValue[],
  path: string,
  mergeKey: string,
  opts: DiffOptions,
): [JsonValue[], JsonValue[]] {
  const sortByKey = (list: JsonValue[]): JsonObject[] =>
    list.map(asObject).sort((a, b) => byGoString(a[mergeKey] ?? null, b[mergeKey] ?? null));
  const os = sortByKey(original);
  const ms = sortByKey(modified);
  const patch: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const o = i < os.length ? os[i]! : undefined;
    const m = j < ms.length ? ms[j]! : undefined;
    const ok = o ? goValueString(keyValueOf(o, mergeKey)) : '';
    const mk = m ? goValueString(keyValueOf(m, mergeKey)) : '';
    const c = o && m ? goStringCompare(ok, mk) : 0;
    if (o && m && c === 0) {
      const sub = diffMaps(o, m, path, opts);
      if (Object.keys(sub).length > 0) {
        setKey(sub, mergeKey, m[mergeKey]!);
        patch.push(sub);
      }
      i++;
      j++;
    } else if (!o || (m && c > 0)) {
      if (!opts.ignoreChangesAndAdditions) patch.push(m!);
      j++;
    } else {
      if (!opts.ignoreDeletions) deletions.push({ [mergeKey]: o[mergeKey]!, [DIRECTIVE]: DELETE });
      i++;
    }
  }
  return [patch, deletions];
}

/**
 * The strategic merge patch that turns original into modified, with
 * $setElementOrder lists so item order survives, $patch: delete for removed
 * list items and $retainKeys where the field's strategy asks for it.
 */
export function createTwoWayStrategicMergePatch(
  original: unknown,
  modified: unknown,
  schemaPath = '',
  lookup: PatchMetaLookup = lookupPatchMeta,
): JsonObject {
  return diffMaps(documentOf(original, 'original'), documentOf(modified, 'modified'), schemaPath, {
    lookup,
    setElementOrder: true,
    ignoreChangesAndAdditions: false,
    ignoreDeletions: false,
    buildRetainKeysDirective: false,
  });
}

/**
 * kubectl's client-side apply: the additions and changes from the live object
 * (current) to the file (modified), plus the deletions of what the last
 * applied configuration had and the file no longer has. Fields and list items
 * others added to the live object are kept. Conflicts are not checked: this is
 * apply with --overwrite, kubectl's default.
 */
export function createThreeWayStrategicMergePatch(
  lastApplied: unknown,
  modified: unknown,
  current: unknown,
  schemaPath = '',
  lookup: PatchMetaLookup = lookupPatchMeta,
): JsonObject {
  const o = documentOf(lastApplied, 'last applied configuration');
  const m = documentOf(modified, 'modified');
  const c = documentOf(current, 'current');
  const delta = diffMaps(c, m, schemaPath, {
    lookup,
    setElementOrder: true,
    ignoreChangesAndAdditions: false,
    ignoreDeletions: true,
    buildRetainKeysDirective: false,
  });
  const deletions = diffMaps(o, m, schemaPath, {
    lookup,
    setElementOrder: true,
    ignoreChangesAndAdditions: true,
    ignoreDeletions: false,
    buildRetainKeysDirective: false,
  });
  return mergeMap(deletions, delta, schemaPath, { mergeParallelList: false, ignoreUnmatchedNulls: false, lookup });
}
