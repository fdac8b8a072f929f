// What every printer shares: reading fields of a wire object that has
// already passed validation, column definitions, and the cell formatters
// Kubernetes' printers reuse (pkg/printers/internalversion).
import type { LabelSelector } from '../api/meta.js';
import { formatLabelSelector, labelSelectorToString } from '../machinery/labels.js';
import { canonicalQuantity } from '../machinery/quantity.js';
import type { TableColumnDefinition } from './table.js';

export type Rec = Record<string, unknown>;

export const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {});
export const arr = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
/** An integer field; Go's zero value when absent. */
export const int = (v: unknown, absent = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : absent);
export const isObj = (v: unknown): boolean => typeof v === 'object' && v !== null;

export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

// Descriptions are the API's own field documentation, as Kubernetes fills them in.
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn = col('Name', 'string', NAME_DESCRIPTION, 0, 'name');
export const ageColumn = col('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);
export const containersColumn = col('Containers', 'string', 'Names of each container in the template.', 1);
export const imagesColumn = col('Images', 'string', 'Images referenced by each container in the template.', 1);

/** layoutContainerCells: the CONTAINERS and IMAGES cells of a pod template's spec. */
export function containerCells(podSpec: unknown): [names: string, images: string] {
  const containers = arr(rec(podSpec).containers);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

/** labels.FormatLabels: a plain label map, "<none>" when empty. */
export function formatLabels(map: unknown): string {
  const m = rec(map);
  const s = Object.keys(m)
    .sort()
    .map((k) => `${k}=${str(m[k])}`)
    .join(',');
  return s === '' ? '<none>' : s;
}

function asLabelSelector(v: unknown): LabelSelector | undefined {
  return isObj(v) ? (v as LabelSelector) : undefined;
}

/** metav1.FormatLabelSelector, for the SELECTOR column of most workloads. */
export function selectorCell(v: unknown): string {
  return formatLabelSelector(asLabelSelector(v));
}

/** The bare selector string a Deployment prints: "" for none, "<invalid>" for one that does not parse. */
export function selectorString(v: unknown): string {
  try {
    return labelSelectorToString(asLabelSelector(v));
  } catch {
    return '<invalid>';
  }
}

/** printBoolPtr. */
export function boolPtr(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

/** Quantity.String(), which Go prints as "<nil>" for a missing quantity. */
export function quantityString(v: unknown): string {
  if (typeof v === 'number') return canonicalQuantity(String(v));
  if (typeof v !== 'string') return '<nil>';
  try {
    return canonicalQuantity(v);
  } catch {
    return v;
  }
}

/** listWithMoreString: the first few items and how many were left out. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const s = list.join(',');
  if (more) return `${s} + ${count - max} more...`;
  return s === '' ? '<unset>' : s;
}

/** The controller owner reference (metav1.GetControllerOf), if any. */
export function controllerOf(metadataOwners: unknown): Rec | undefined {
  return arr(metadataOwners).find((o) => o.controller === true);
}

/** Whether the first condition of a type has status True (Kubernetes' hasJobCondition and friends). */
export function conditionTrue(conditions: unknown, type: string): boolean {
  const c = arr(conditions).find((x) => x.type === type);
  return c !== undefined && c.status === 'True';
}
