// The selector-versus-template checks every controller kind makes, on top of
// metav1.LabelSelectorAsSelector.
import { selectorFromLabelSelector, type Selector } from '../../machinery/labels.js';
import type { LabelSelector } from '../meta.js';
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';

/** metav1.LabelSelectorAsSelector, or undefined where Kubernetes gets an error back. */
export function asSelector(sel: LabelSelector | undefined): Selector | undefined {
  try {
    return selectorFromLabelSelector(sel);
  } catch {
    return undefined;
  }
}

export function selectorMismatch(labels: Record<string, string> | undefined, path: FieldPath): FieldErrors {
  return [fieldErrors.invalid(path, labels ?? {}, '`selector` does not match template `labels`')];
}

export const hasSelectorTerms = (sel: LabelSelector): boolean =>
  Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length > 0;
