// autoscaling/v1 Scale: the body of every .../scale subresource (deployments,
// replicasets, statefulsets). The selector is the string form of the target's
// label selector, as `kubectl get --selector` would take it.
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const ScaleSpec = z.object({
  replicas: z.number().int().optional(),
});

export const ScaleStatus = z.object({
  replicas: z.number().int().default(0),
  selector: z.string().optional(),
});

export const Scale = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: ScaleSpec.prefault(() => ({})),
  status: ScaleStatus.optional(),
});
export type Scale = z.infer<typeof Scale>;
