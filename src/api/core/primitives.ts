// Value types shared by the core/v1 kinds: quantities, int-or-string, object
// references and timestamps, in the shapes Kubernetes puts on the wire.
import { z } from 'zod';

/**
 * resource.Quantity: clients may send a JSON number (`cpu: 1`), Kubernetes
 * always answers with a string, so numbers are turned into strings here.
 */
export const Quantity = z.union([z.string(), z.number()]).transform((v) => (typeof v === 'number' ? String(v) : v));
export type Quantity = z.infer<typeof Quantity>;

/** v1.ResourceList: resource name to quantity. */
export const ResourceList = z.record(z.string(), Quantity);
export type ResourceList = z.infer<typeof ResourceList>;

/** intstr.IntOrString: the JSON type the client sent is kept (80 stays 80, "http" stays "http"). */
export const IntOrString = z.union([z.number().int(), z.string()]);
export type IntOrString = z.infer<typeof IntOrString>;

/**
 * metav1.Time fields declared omitempty still serialize as null when unset
 * (Go's omitempty never omits a struct), so null is accepted wherever
 * Kubernetes itself emits it.
 */
export const Time = z.string().nullable();

export const ObjectReference = z.object({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

export const LocalObjectReference = z.object({
  name: z.string().optional(),
});
export type LocalObjectReference = z.infer<typeof LocalObjectReference>;

export const TypedLocalObjectReference = z.object({
  apiGroup: z.string().optional(),
  kind: z.string().default(''),
  name: z.string().default(''),
});
export type TypedLocalObjectReference = z.infer<typeof TypedLocalObjectReference>;
