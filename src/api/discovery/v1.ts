// discovery.k8s.io/v1 EndpointSlice in Kubernetes' wire shape, fields in Go
// struct order.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';
import { ObjectReference } from '../core/v1.js';

export const EndpointConditions = z.object({
  ready: z.boolean().optional(),
  serving: z.boolean().optional(),
  terminating: z.boolean().optional(),
});

export const ForZone = z.object({ name: z.string() });
export const ForNode = z.object({ name: z.string() });

export const EndpointHints = z.object({
  forZones: z.array(ForZone).optional(),
  forNodes: z.array(ForNode).optional(),
});
export type EndpointHints = z.infer<typeof EndpointHints>;

export const Endpoint = z.object({
  addresses: z.array(z.string()),
  conditions: EndpointConditions.optional(),
  hostname: z.string().optional(),
  targetRef: ObjectReference.optional(),
  deprecatedTopology: z.record(z.string(), z.string()).optional(),
  nodeName: z.string().optional(),
  zone: z.string().optional(),
  hints: EndpointHints.optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const EndpointPort = z.object({
  name: z.string().optional(),
  protocol: z.string().optional(),
  port: z.number().int().optional(),
  appProtocol: z.string().optional(),
});
export type EndpointPort = z.infer<typeof EndpointPort>;

export const EndpointSlice = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  addressType: z.string().optional(),
  // Kubernetes writes `"endpoints": null` for an empty slice (no omitempty).
  endpoints: z.array(Endpoint).nullable().optional(),
  ports: z.array(EndpointPort).nullable().optional(),
});
export type EndpointSlice = z.infer<typeof EndpointSlice>;
