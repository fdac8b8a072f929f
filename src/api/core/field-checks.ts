// Small checks the core/v1 validators share: numbers, user IDs, file modes
// and paths inside a container, with Kubernetes' messages.
import { posix } from 'node:path';
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { inclusiveRangeError } from '../validation/names.js';

export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
export const MAX_INT32 = 2147483647;
const IS_NEGATIVE_ERROR = 'must be greater than or equal to 0';
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

export const nonNegative = (value: number | undefined, path: FieldPath): FieldErrors =>
  value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, IS_NEGATIVE_ERROR)] : [];

export const messagesAt = (msgs: string[], path: FieldPath, value: unknown): FieldErrors =>
  msgs.map((m) => fieldErrors.invalid(path, value, m));

export const validUserID = (id: number, path: FieldPath): FieldErrors =>
  id < 0 || id > MAX_INT32 ? [fieldErrors.invalid(path, id, inclusiveRangeError(0, MAX_INT32))] : [];

// ---- paths inside the container ----

export function validatePathNoBacksteps(target: string, path: FieldPath): FieldErrors {
  return target.split('/').includes('..') ? [fieldErrors.invalid(path, target, "must not contain '..'")] : [];
}

export function validateLocalDescendingPath(target: string, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (posix.isAbsolute(target)) errs.push(fieldErrors.invalid(path, target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, path));
  return errs;
}

export function validateLocalNonReservedPath(target: string, path: FieldPath): FieldErrors {
  const errs = validateLocalDescendingPath(target, path);
  // Not reported twice when the backstep check already caught it.
  if (target.startsWith('..') && !target.startsWith('../')) {
    errs.push(fieldErrors.invalid(path, target, "must not start with '..'"));
  }
  return errs;
}

export function validateFileMode(mode: number | undefined, path: FieldPath): FieldErrors {
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [fieldErrors.invalid(path, mode, FILE_MODE_ERROR)] : [];
}
