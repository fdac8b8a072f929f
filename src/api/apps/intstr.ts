// Int-or-percent fields (maxSurge, maxUnavailable): ValidatePositiveIntOrPercent
// and IsValidPercent with Kubernetes' messages.
import { regexError } from '../../machinery/names.js';
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { validateNonnegativeField } from './field-checks.js';
import type { IntOrString } from './v1.js';

const PERCENT = /^[0-9]+%$/;

/** validation.IsValidPercent's message, or undefined for a valid percent string. */
export function isValidPercentMessage(s: string): string | undefined {
  return PERCENT.test(s)
    ? undefined
    : regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%');
}

export function validateIntOrPercent(v: IntOrString | undefined, path: FieldPath): FieldErrors {
  if (typeof v === 'string') {
    const msg = isValidPercentMessage(v);
    return msg ? [fieldErrors.invalid(path, v, msg)] : [];
  }
  return validateNonnegativeField(v ?? 0, path);
}
