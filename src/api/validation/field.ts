// Field errors in Kubernetes' shape (k8s.io/apimachinery/pkg/util/validation/field):
// each names the field path and becomes one StatusCause of a 422 Invalid.
import type { StatusCause } from '../status.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotFound'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

export interface FieldError {
  type: FieldErrorType;
  /** e.g. "spec.template.spec.containers[0].image" */
  field: string;
  /** the detail after the generic prefix, e.g. "must be greater than or equal to 0" */
  detail?: string;
  badValue?: unknown;
}

export type FieldErrors = FieldError[];

/** A field path builder: path('spec').child('containers').index(0).child('image').toString(). */
export class FieldPath {
  private constructor(private readonly parts: string[]) {}
  static root(name: string): FieldPath {
    return new FieldPath([name]);
  }
  child(name: string): FieldPath {
    return new FieldPath([...this.parts, '.' + name]);
  }
  index(i: number): FieldPath {
    return new FieldPath([...this.parts, `[${i}]`]);
  }
  key(k: string): FieldPath {
    return new FieldPath([...this.parts, `[${k}]`]);
  }
  toString(): string {
    return this.parts.join('');
  }
}

const fe = (type: FieldErrorType, field: FieldPath | string, badValue?: unknown, detail?: string): FieldError => ({
  type,
  field: field.toString(),
  badValue,
  detail,
});

export const fieldErrors = {
  required: (f: FieldPath | string, detail?: string) => fe('FieldValueRequired', f, undefined, detail),
  invalid: (f: FieldPath | string, value: unknown, detail: string) => fe('FieldValueInvalid', f, value, detail),
  notSupported: (f: FieldPath | string, value: unknown, valid: string[]) =>
    fe('FieldValueNotSupported', f, value, `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`),
  duplicate: (f: FieldPath | string, value: unknown, detail?: string) => fe('FieldValueDuplicate', f, value, detail),
  notFound: (f: FieldPath | string, value: unknown) => fe('FieldValueNotFound', f, value),
  forbidden: (f: FieldPath | string, detail: string) => fe('FieldValueForbidden', f, undefined, detail),
  tooLong: (f: FieldPath | string, value: unknown, max: number) =>
    fe('FieldValueTooLong', f, value, `may not be more than ${max} bytes`),
};

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The message Kubernetes prints for a field error, without the field path. */
export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'FieldValueInvalid':
      return `Invalid value: ${formatValue(e.badValue)}${e.detail ? ': ' + e.detail : ''}`;
    case 'FieldValueNotSupported':
      return `Unsupported value: ${formatValue(e.badValue)}${e.detail ? ': ' + e.detail : ''}`;
    case 'FieldValueNotFound':
      return `Not found: ${formatValue(e.badValue)}`;
    case 'FieldValueDuplicate':
      return `Duplicate value: ${formatValue(e.badValue)}${e.detail ? ': ' + e.detail : ''}`;
    case 'FieldValueForbidden':
      return `Forbidden${e.detail ? ': ' + e.detail : ''}`;
    case 'FieldValueTooLong':
      return `Too long: ${e.detail ?? ''}`;
    case 'FieldValueTooMany':
      return `Too many: ${e.detail ?? ''}`;
  }
}

export function toStatusCauses(errs: FieldErrors): StatusCause[] {
  return errs.map((e) => ({ reason: e.type, message: fieldErrorMessage(e), field: e.field }));
}
