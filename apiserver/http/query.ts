// Query parameters of API requests, read as the Kubernetes apiserver reads
// them: the last value wins, and a malformed value is a 400 naming it.
import { errors } from '../../src/api/status.js';
import type { IncludeObject } from '../../src/printers/table.js';

export type Query = Record<string, string | string[] | undefined>;
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export const q1 = (q: Query, k: string): string | undefined => {
  const v = q[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
};

export function boolParam(q: Query, k: string): boolean {
  const v = q1(q, k);
  return v === 'true' || v === '1';
}

export function intParam(q: Query, k: string): number | undefined {
  const v = q1(q, k);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${k}: ${JSON.stringify(v)}: must be an integer`);
  return n;
}

export function dryRunParam(q: Query): boolean {
  const v = q.dryRun;
  const vals = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const d of vals) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${JSON.stringify(d)}: supported values: "All"`);
  return vals.length > 0;
}

export function fieldValidationParam(q: Query): FieldValidation {
  const v = q1(q, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}`);
}

export function includeObjectParam(q: Query): IncludeObject {
  const v = q1(q, 'includeObject');
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  return 'Metadata';
}
