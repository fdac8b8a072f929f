// Cases from Kubernetes' own strategic merge patch tests
// (k8s.io/apimachinery/pkg/util/strategicpatch), run against a type shaped
// like theirs, so patch creation, three-way apply and list order are checked
// against the answers Kubernetes gives.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { goStringCompare, goValueString } from '../goformat.js';
import {
  applyStrategicMergePatch,
  createThreeWayStrategicMergePatch,
  createTwoWayStrategicMergePatch,
  type PatchMetaLookup,
} from './strategic.js';
import type { PatchMeta } from './strategic-keys.js';
import { isObject, type JsonObject, type JsonValue } from './values.js';

/** The tags of Kubernetes' test type MergeItem, which nests itself. */
const mergeItem: PatchMetaLookup = (path) => {
  const field = path.slice(path.lastIndexOf('.') + 1);
  const tags: Record<string, PatchMeta> = {
    mergingList: { strategy: 'merge', mergeKey: 'name' },
    mergingIntList: { strategy: 'merge' },
    mergeItemPtr: { strategy: 'merge', mergeKey: 'name' },
    replacingItem: { strategy: 'replace' },
    retainKeysMap: { retainKeys: true },
    retainKeysMergingList: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
  };
  return tags[field] ?? {};
};

const byGo = (a: JsonValue, b: JsonValue) => goStringCompare(goValueString(a), goValueString(b));

/** sortMergeListsByName: the order-insensitive form Kubernetes compares patches in. */
function sortMergeLists(v: JsonValue, path = ''): JsonValue {
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const child = path ? `${path}.${k}` : k;
    if (k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList/')) out[k] = [...(x as JsonValue[])].sort(byGo);
    else if (k.startsWith('$setElementOrder/') || k === '$patch') out[k] = x;
    else if (isObject(x)) out[k] = sortMergeLists(x, child);
    else if (Array.isArray(x) && mergeItem(child).strategy === 'merge') {
      const key = mergeItem(child).mergeKey;
      out[k] = key
        ? x.map((e) => sortMergeLists(e, child)).sort((a, b) => byGo((a as JsonObject)[key] ?? null, (b as JsonObject)[key] ?? null))
        : [...new Set(x)].sort(byGo);
    } else out[k] = x;
  }
  return out;
}

interface Case {
  description: string;
  original?: string;
  modified?: string;
  current?: string;
  twoWay?: string;
  threeWay?: string;
  result?: string;
  twoWayResult?: string;
  /** Cases Kubernetes compares after sorting merging lists; the rest compare list order exactly. */
  sorted?: boolean;
}

const doc = (y: string | undefined): JsonObject => (y === undefined ? {} : ((parse(y) as JsonObject | null) ?? {}));

function check(c: Case): void {
  const original = doc(c.original);
  const modified = doc(c.modified);
  const norm = (v: JsonValue) => (c.sorted ? sortMergeLists(v) : v);
  if (c.twoWay !== undefined) {
    expect(sortMergeLists(createTwoWayStrategicMergePatch(original, modified, '', mergeItem)), 'two-way patch').toEqual(
      sortMergeLists(doc(c.twoWay)),
    );
    expect(norm(applyStrategicMergePatch(original, doc(c.twoWay), '', mergeItem)), 'two-way result').toEqual(
      norm(c.twoWayResult !== undefined ? doc(c.twoWayResult) : modified),
    );
  }
  if (c.threeWay !== undefined) {
    const current = doc(c.current);
    const patch = createThreeWayStrategicMergePatch(original, modified, current, '', mergeItem);
    expect(sortMergeLists(patch), 'three-way patch').toEqual(sortMergeLists(doc(c.threeWay)));
    expect(norm(applyStrategicMergePatch(current, patch, '', mergeItem)), 'three-way result').toEqual(norm(doc(c.result)));
  }
}

const cases: Case[] = [
  {
    description: 'nil original',
    sorted: true,
    twoWay: 'name: 1\nvalue: 1',
    modified: 'name: 1\nvalue: 1',
    current: 'name: 1\nother: a',
    threeWay: 'value: 1',
    result: 'name: 1\nvalue: 1\nother: a',
  },
  {
    description: 'add field to map with conflict',
    sorted: true,
    original: 'name: 1',
    twoWay: 'value: 1',
    modified: 'name: 1\nvalue: 1',
    current: 'name: a\nother: a',
    threeWay: 'name: 1\nvalue: 1',
    result: 'name: 1\nvalue: 1\nother: a',
  },
  {
    description: 'add field and delete field from map',
    sorted: true,
    original: 'name: 1',
    twoWay: 'name: null\nvalue: 1',
    modified: 'value: 1',
    current: 'name: 1\nother: a',
    threeWay: 'name: null\nvalue: 1',
    result: 'value: 1\nother: a',
  },
  {
    description: 'delete field from nested map with conflict',
    sorted: true,
    original: 'simpleMap:\n  key1: 1\n  key2: 1',
    twoWay: 'simpleMap:\n  key2: null',
    modified: 'simpleMap:\n  key1: 1',
    current: 'simpleMap:\n  key1: a\n  key2: 1\n  other: a',
    threeWay: 'simpleMap:\n  key1: 1\n  key2: null',
    result: 'simpleMap:\n  key1: 1\n  other: a',
  },
  {
    description: 'add field and delete all fields from map with conflict',
    sorted: true,
    original: 'name: 1\nvalue: 1',
    twoWay: 'name: null\nvalue: null\nother: a',
    modified: 'other: a',
    current: 'name: 1\nvalue: 1\nother: b',
    threeWay: 'name: null\nvalue: null\nother: a',
    result: 'other: a',
  },
  {
    description: 'replace list of scalars with conflict',
    sorted: true,
    original: 'nonMergingIntList: [1, 2]',
    twoWay: 'nonMergingIntList: [2, 3]',
    modified: 'nonMergingIntList: [2, 3]',
    current: 'nonMergingIntList: [1, 4]',
    threeWay: 'nonMergingIntList: [2, 3]',
    result: 'nonMergingIntList: [2, 3]',
  },
  {
    description: 'delete all maps from merging list with conflict',
    sorted: true,
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: 'mergingList:\n  - name: 1\n    $patch: delete\n  - name: 2\n    $patch: delete',
    modified: 'mergingList: []',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    other: b',
    threeWay: 'mergingList:\n  - name: 1\n    $patch: delete\n  - name: 2\n    $patch: delete',
    result: 'mergingList: []',
  },
  {
    description: 'delete all maps from empty merging list',
    sorted: true,
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: 'mergingList:\n  - name: 1\n    $patch: delete\n  - name: 2\n    $patch: delete',
    modified: 'mergingList: []',
    current: 'mergingList: []',
    threeWay: 'mergingList:\n  - name: 1\n    $patch: delete\n  - name: 2\n    $patch: delete',
    result: 'mergingList: []',
  },
  {
    description: 'merge empty merging lists',
    sorted: true,
    original: 'mergingList: []',
    twoWay: '{}',
    modified: 'mergingList: []',
    current: 'mergingList: []',
    threeWay: '{}',
    result: 'mergingList: []',
  },
  {
    description: 'defined null values should propagate overwrite current fields (with conflict)',
    sorted: true,
    original: 'name: 2',
    twoWay: 'name: 1\nvalue: 1\nother: null',
    twoWayResult: 'name: 1\nvalue: 1',
    modified: 'name: 1\nvalue: 1\nother: null',
    current: 'name: a\nother: a',
    threeWay: 'name: 1\nvalue: 1\nother: null',
    result: 'name: 1\nvalue: 1',
  },
  {
    description: 'defined null values should propagate removing original fields',
    sorted: true,
    original: 'name: original-name\nvalue: original-value',
    current: 'name: original-name\nvalue: original-value\nother: current-other',
    modified: 'name: modified-name\nvalue: null',
    twoWay: 'name: modified-name\nvalue: null',
    twoWayResult: 'name: modified-name',
    threeWay: 'name: modified-name\nvalue: null',
    result: 'name: modified-name\nother: current-other',
  },
  {
    description: 'retainKeys map with no change should not be present',
    sorted: true,
    original: 'name: a\nretainKeysMap:\n  name: foo',
    current: 'name: a\nother: c\nretainKeysMap:\n  name: foo',
    modified: 'name: a\nvalue: b\nretainKeysMap:\n  name: foo',
    twoWay: 'value: b',
    threeWay: 'value: b',
    result: 'name: a\nvalue: b\nother: c\nretainKeysMap:\n  name: foo',
  },
  {
    description: 'nested patch merge with empty list',
    original: 'name: hi',
    current: 'name: hi\nmergingList:\n- name: hello2',
    modified: 'name: hi\nmergingList:\n- name: hello\n- $patch: delete\n  name: doesntexist',
    twoWay: 'mergingList:\n- name: hello\n- $patch: delete\n  name: doesntexist',
    threeWay:
      '$setElementOrder/mergingList:\n- name: hello\n- name: doesntexist\nmergingList:\n- name: hello\n- $patch: delete\n  name: doesntexist',
    twoWayResult: 'name: hi\nmergingList:\n- name: hello',
    result: 'name: hi\nmergingList:\n- name: hello\n- name: hello2',
  },
  {
    description: 'delete all duplicate items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3, 3]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    modified: 'mergingIntList: [1, 2]',
    current: 'mergingIntList: [1, 2, 3, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    description: 'add and delete items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]\nmergingIntList: [4]',
    modified: 'mergingIntList: [1, 2, 4]',
    current: 'mergingIntList: [1, 2, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    description: 'merge lists of maps',
    original: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2',
    twoWay:
      '$setElementOrder/mergingList:\n  - name: 4\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 4\n    value: 4\n  - name: 3\n    value: 3',
    modified: 'mergingList:\n  - name: 4\n    value: 4\n  - name: 1\n  - name: 2\n    value: 2\n  - name: 3\n    value: 3',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    value: 2\n    other: b',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 4\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 4\n    value: 4\n  - name: 3\n    value: 3',
    result:
      'mergingList:\n  - name: 4\n    value: 4\n  - name: 1\n    other: a\n  - name: 2\n    value: 2\n    other: b\n  - name: 3\n    value: 3',
  },
  {
    description: 'merge lists of maps with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3\n    value: 3',
    modified: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2\n  - name: 3\n    value: 3',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    value: 3\n    other: b',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 2\n    value: 2\n  - name: 3\n    value: 3',
    result: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    value: 2\n    other: b\n  - name: 3\n    value: 3',
  },
  {
    description: 'add field to map in merging list with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    value: 1',
    modified: 'mergingList:\n  - name: 1\n    value: 1\n  - name: 2\n    value: 2',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 3\n    value: 2\n    other: b',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    value: 1\n  - name: 2\n    value: 2',
    result: 'mergingList:\n  - name: 1\n    value: 1\n    other: a\n  - name: 2\n    value: 2\n  - name: 3\n    value: 2\n    other: b',
  },
  {
    description: 'add an item that already exists in current object in merging list',
    original: 'mergingList:\n  - name: 1\n    value: a\n  - name: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3',
    modified: 'mergingList:\n  - name: 1\n    value: a\n  - name: 2\n  - name: 3',
    current: 'mergingList:\n  - name: 1\n    value: a\n    other: x\n  - name: 2\n  - name: 3',
    threeWay: '{}',
    result: 'mergingList:\n  - name: 1\n    value: a\n    other: x\n  - name: 2\n  - name: 3',
  },
  {
    description: 'add duplicate field to map in merging list with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    value: 1',
    modified: 'mergingList:\n  - name: 1\n    value: 1\n  - name: 2\n    value: 2',
    current: 'mergingList:\n  - name: 1\n    value: 1\n    other: a\n  - name: 2\n    value: 3\n    other: b',
    threeWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 2\n    value: 2',
    result: 'mergingList:\n  - name: 1\n    value: 1\n    other: a\n  - name: 2\n    value: 2\n    other: b',
  },
  {
    description: 'delete map from merging list with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 2\nmergingList:\n  - name: 1\n    $patch: delete',
    modified: 'mergingList:\n  - name: 2',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    other: b',
    threeWay: '$setElementOrder/mergingList:\n  - name: 2\nmergingList:\n  - name: 1\n    $patch: delete',
    result: 'mergingList:\n  - name: 2\n    other: b',
  },
  {
    description: 'delete missing map from merging list with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 2\nmergingList:\n  - name: 1\n    $patch: delete',
    modified: 'mergingList:\n  - name: 2',
    current: 'mergingList:\n  - name: 3\n    other: a',
    threeWay: '$setElementOrder/mergingList:\n  - name: 2\nmergingList:\n  - name: 2\n  - name: 1\n    $patch: delete',
    result: 'mergingList:\n  - name: 2\n  - name: 3\n    other: a',
  },
  {
    description: 'add map and delete map from merging list',
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3\n  - name: 1\n    $patch: delete',
    modified: 'mergingList:\n  - name: 2\n  - name: 3',
    current: 'mergingList:\n  - name: 1\n  - name: 2\n    other: b\n  - name: 4\n    other: c',
    threeWay: '$setElementOrder/mergingList:\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3\n  - name: 1\n    $patch: delete',
    result: 'mergingList:\n  - name: 2\n    other: b\n  - name: 4\n    other: c\n  - name: 3',
  },
  {
    description: 'add map and delete map from merging list with conflict',
    original: 'mergingList:\n  - name: 1\n  - name: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3\n  - name: 1\n    $patch: delete',
    modified: 'mergingList:\n  - name: 2\n  - name: 3',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 4\n    other: c',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 2\n  - name: 3\n  - name: 1\n    $patch: delete',
    result: 'mergingList:\n  - name: 4\n    other: c\n  - name: 2\n  - name: 3',
  },
  {
    description: 'delete missing field from map in merging list with conflict',
    original: 'mergingList:\n  - name: 1\n    value: 1\n  - name: 2\n    value: 2',
    twoWay: '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    value: null',
    modified: 'mergingList:\n  - name: 1\n  - name: 2\n    value: 2',
    current: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    other: b',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    value: null\n  - name: 2\n    value: 2',
    result: 'mergingList:\n  - name: 1\n    other: a\n  - name: 2\n    value: 2\n    other: b',
  },
  {
    description: 'replace non merging list nested in merging list with value conflict',
    original: 'mergingList:\n  - name: 1\n    nonMergingList:\n      - name: 1\n      - name: 2\n        value: 2\n  - name: 2',
    twoWay:
      '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    nonMergingList:\n      - name: 1\n        value: 1',
    modified: 'mergingList:\n  - name: 1\n    nonMergingList:\n      - name: 1\n        value: 1\n  - name: 2',
    current: 'mergingList:\n  - name: 1\n    other: a\n    nonMergingList:\n      - name: 1\n        value: c\n  - name: 2\n    other: b',
    threeWay:
      '$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\nmergingList:\n  - name: 1\n    nonMergingList:\n      - name: 1\n        value: 1',
    result:
      'mergingList:\n  - name: 1\n    other: a\n    nonMergingList:\n      - name: 1\n        value: 1\n  - name: 2\n    other: b',
  },
];

// Patches Kubernetes only applies (they cannot come out of a diff).
const applyOnly: { description: string; original: string; patch: string; modified: string }[] = [
  {
    description: '$setElementOrder contains item that is not present in the list to be merged',
    original: 'mergingList:\n  - name: 1\n  - name: 3',
    patch:
      '$setElementOrder/mergingList:\n  - name: 3\n  - name: 2\n  - name: 1\nmergingList:\n  - name: 3\n    value: 3\n  - name: 1\n    value: 1',
    modified: 'mergingList:\n  - name: 3\n    value: 3\n  - name: 1\n    value: 1',
  },
  {
    description: '$deleteFromPrimitiveList should delete item from a list without merge patch strategy',
    original: 'nonMergingIntList: [1, 2, 3]',
    patch: '$deleteFromPrimitiveList/nonMergingIntList: [2]',
    modified: 'nonMergingIntList: [1, 3]',
  },
  { description: 'unique scalars when merging lists', original: 'mergingIntList: [1, 2]', patch: 'mergingIntList: [2, 3]', modified: 'mergingIntList: [1, 2, 3]' },
  { description: 'delete map from nested map', original: 'simpleMap:\n  key1: 1\n  key2: 1', patch: 'simpleMap:\n  $patch: delete', modified: 'simpleMap: {}' },
  { description: 'delete all items from merging list', original: 'mergingList:\n  - name: 1\n  - name: 2', patch: 'mergingList:\n  - $patch: replace', modified: 'mergingList: []' },
  { description: 'delete all keys from map', original: 'name: 1\nvalue: 1', patch: '$patch: replace', modified: '{}' },
  { description: 'add key and delete all keys from map', original: 'name: 1\nvalue: 1', patch: 'other: a\n$patch: replace', modified: 'other: a' },
  {
    description: 'delete all duplicate entries in a merging list',
    original: 'mergingList:\n  - name: 1\n  - name: 1\n  - name: 2\n    value: a\n  - name: 3\n  - name: 3',
    patch: 'mergingList:\n  - name: 1\n    $patch: delete\n  - name: 3\n    $patch: delete',
    modified: 'mergingList:\n  - name: 2\n    value: a',
  },
  { description: 'retainKeys map can delete a field when no retainKeys directive present', original: 'retainKeysMap:\n  name: foo\n  value: a', patch: 'retainKeysMap:\n  value: null', modified: 'retainKeysMap:\n  name: foo' },
  {
    description: 'retainKeys list can change a field when no retainKeys directive present',
    original: 'retainKeysMergingList:\n- name: bar\n- name: foo\n  value: a',
    patch: 'retainKeysMergingList:\n- name: foo\n  value: b',
    modified: 'retainKeysMergingList:\n- name: bar\n- name: foo\n  value: b',
  },
  {
    description: '$setElementOrder contains item that is not present in the int list to be merged',
    original: 'mergingIntList: [1, 3]',
    patch: '$setElementOrder/mergingIntList: [3, 2, 1]',
    modified: 'mergingIntList: [3, 1]',
  },
  { description: '$deleteFromPrimitiveList of nonexistent item', original: 'mergingIntList: [1, 2]', patch: '$deleteFromPrimitiveList/mergingIntList: [3]', modified: 'mergingIntList: [1, 2]' },
  { description: '$deleteFromPrimitiveList on empty primitive list', original: 'mergingIntList:', patch: '$deleteFromPrimitiveList/mergingIntList: [3]', modified: 'mergingIntList:' },
  { description: '$deleteFromPrimitiveList on nonexistent primitive list', original: 'foo: [bar]', patch: '$deleteFromPrimitiveList/mergingIntList: [3]', modified: 'foo: [bar]' },
];

describe("Kubernetes' strategic merge patch cases", () => {
  for (const c of cases) it(c.description, () => check(c));

  for (const c of applyOnly) {
    it(c.description, () => {
      expect(applyStrategicMergePatch(doc(c.original), doc(c.patch), '', mergeItem)).toEqual(doc(c.modified));
    });
  }

  it('rejects a patch whose order contradicts $setElementOrder', () => {
    expect(() =>
      applyStrategicMergePatch(
        doc('mergingList:\n  - name: 1\n  - name: 3\n  - name: 2'),
        doc('$setElementOrder/mergingList:\n  - name: 1\n  - name: 2\n  - name: 3\nmergingList:\n  - name: 3\n    value: 3\n  - name: 1\n    value: 1'),
        '',
        mergeItem,
      ),
    ).toThrow("doesn't match");
    expect(() =>
      applyStrategicMergePatch(
        doc('mergingIntList: [1, 3, 2]'),
        doc('$setElementOrder/mergingIntList: [1, 2, 3]\nmergingIntList: [3, 1]'),
        '',
        mergeItem,
      ),
    ).toThrow("doesn't match");
  });
});
