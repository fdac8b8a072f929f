// core/v1 object schemas in Kubernetes' wire shape. z.object strips fields it
// does not know, so every field Kubernetes has must be listed or it is lost
// from users' objects; only maps Kubernetes itself keeps open are records.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';
import { LocalObjectReference, ObjectReference, Time } from './primitives.js';

export * from './primitives.js';
export * from './container.js';
export * from './volume.js';
export * from './pod.js';
export * from './service.js';
export * from './node.js';

// ---- Namespace ----

export const NamespaceCondition = z.object({
  type: z.string().default(''),
  status: z.string().default(''),
  lastTransitionTime: Time.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const Namespace = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: z.object({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z
    .object({
      phase: z.string().optional(),
      conditions: z.array(NamespaceCondition).optional(),
    })
    .optional(),
});
export type Namespace = z.infer<typeof Namespace>;

// ---- ConfigMap and Secret ----

export const ConfigMap = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  immutable: z.boolean().optional(),
  data: z.record(z.string(), z.string()).optional(),
  /** values are base64 on the wire */
  binaryData: z.record(z.string(), z.string()).optional(),
});
export type ConfigMap = z.infer<typeof ConfigMap>;

export const Secret = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  immutable: z.boolean().optional(),
  /** values are base64 on the wire */
  data: z.record(z.string(), z.string()).optional(),
  /** write-only: merged into data when the object is decoded, never stored */
  stringData: z.record(z.string(), z.string()).optional(),
  type: z.string().optional(),
});
export type Secret = z.infer<typeof Secret>;

// ---- Event ----

export const EventSource = z.object({
  component: z.string().optional(),
  host: z.string().optional(),
});

export const EventSeries = z.object({
  count: z.number().int().optional(),
  lastObservedTime: Time.optional(),
});

export const Event = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  involvedObject: ObjectReference.default(() => ({})),
  reason: z.string().optional(),
  message: z.string().optional(),
  source: EventSource.optional(),
  firstTimestamp: Time.optional(),
  lastTimestamp: Time.optional(),
  count: z.number().int().optional(),
  type: z.string().optional(),
  eventTime: Time.optional(),
  series: EventSeries.optional(),
  action: z.string().optional(),
  related: ObjectReference.optional(),
  reportingComponent: z.string().default(''),
  reportingInstance: z.string().default(''),
});
export type Event = z.infer<typeof Event>;

// ---- ServiceAccount ----

export const ServiceAccount = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  secrets: z.array(ObjectReference).optional(),
  imagePullSecrets: z.array(LocalObjectReference).optional(),
  automountServiceAccountToken: z.boolean().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;
