// coordination.k8s.io/v1 Lease: what leader election and node heartbeats write.
// acquireTime and renewTime are MicroTime ("2024-01-02T03:04:05.123456Z").
import { z } from 'zod';
import { ObjectMeta } from '../meta.js';

export const LeaseSpec = z.object({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: z.number().int().optional(),
  acquireTime: z.string().optional(),
  renewTime: z.string().optional(),
  leaseTransitions: z.number().int().optional(),
  strategy: z.string().optional(),
  preferredHolder: z.string().optional(),
});
export type LeaseSpec = z.infer<typeof LeaseSpec>;

export const Lease = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta.default(() => ({})),
  spec: LeaseSpec.prefault(() => ({})),
});
export type Lease = z.infer<typeof Lease>;
