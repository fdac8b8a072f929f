// Small field checks every workload kind shares, with Kubernetes' messages
// (ValidateNonnegativeField, ValidateImmutableField, Semantic.DeepEqual).
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';

export function validateNonnegativeField(value: number | undefined, path: FieldPath): FieldErrors {
  return value !== undefined && value < 0 ? [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** Drops what Go's Semantic.DeepEqual cannot tell from absent: undefined, empty lists, empty maps. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(normalize);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

export function validateImmutableField(newValue: unknown, oldValue: unknown, path: FieldPath): FieldErrors {
  return semanticEqual(newValue, oldValue) ? [] : [fieldErrors.invalid(path, newValue, 'field is immutable')];
}
