// JSON patch (RFC 6902), applied by fast-json-patch after a structural check of
// the operations, with failures reported in the wording of evanphx/json-patch,
// the library the Kubernetes apiserver uses.
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { cloneJson, isObject, type JsonValue } from './values.js';

const { applyPatch, JsonPatchError } = fastJsonPatch;

/** The apiserver refuses JSON patches longer than this. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function isPointer(p: unknown): p is string {
  return typeof p === 'string' && (p === '' || p.startsWith('/'));
}

/** Checks that every operation is an object with a known op and the members that op needs. */
export function validateJsonPatch(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      `The allowed number of operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  ops.forEach((op: unknown, i) => {
    if (!isObject(op)) throw new PatchError(`operation ${i}: not an object`);
    const kind = op['op'];
    if (typeof kind !== 'string' || !OPS.has(kind)) {
      throw new PatchError(`Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`);
    }
    if (!isPointer(op['path'])) {
      throw new PatchError(`${kind} operation failed to decode path: "path" must be a JSON pointer ("" or starting with "/")`);
    }
    if ((kind === 'move' || kind === 'copy') && !isPointer(op['from'])) {
      throw new PatchError(`${kind} operation failed to decode from: "from" must be a JSON pointer ("" or starting with "/")`);
    }
    if ((kind === 'add' || kind === 'replace' || kind === 'test') && !('value' in op)) {
      throw new PatchError(`${kind} operation for path "${String(op['path'])}" has no value`);
    }
  });
  return cloneJson(ops) as unknown as Operation[];
}

function explain(e: InstanceType<typeof JsonPatchError>): string {
  const op = e.operation as Partial<Operation & { from: string }> | undefined;
  const kind = op?.op ?? 'patch';
  const path = op?.path ?? '';
  switch (e.name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${kind} operation does not apply: doc is missing from path: ${op?.from ?? ''}: missing value`;
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      return `${kind} operation does not apply: doc is missing path: "${path}": missing value`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `${kind} operation does not apply: invalid index referenced in path "${path}"`;
    default:
      return `${kind} operation for path "${path}" failed: ${e.message}`;
  }
}

/** Applies the operations to a copy of doc; throws PatchError naming the operation that failed. */
export function applyJsonPatch(doc: unknown, ops: unknown): JsonValue {
  const checked = validateJsonPatch(ops);
  const copy = cloneJson(doc);
  try {
    return applyPatch(copy, checked, true, true).newDocument as JsonValue;
  } catch (e) {
    if (e instanceof JsonPatchError) throw new PatchError(explain(e));
    // fast-json-patch refuses to touch __proto__ with a TypeError of its own.
    if (e instanceof TypeError) throw new PatchError(e.message);
    throw e;
  }
}
