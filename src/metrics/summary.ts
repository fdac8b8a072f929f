// The part of a kubelet's Summary API (/stats/summary) the metrics server
// reads: cumulative CPU time and memory working set of the node and of every
// container of every pod, each stamped with the time it was sampled.
import { z } from 'zod';

const CpuStats = z.looseObject({
  time: z.string().optional(),
  usageCoreNanoSeconds: z.number().nonnegative().optional(),
});

const MemoryStats = z.looseObject({
  time: z.string().optional(),
  workingSetBytes: z.number().nonnegative().optional(),
});

const ContainerStats = z.looseObject({
  name: z.string(),
  startTime: z.string().optional(),
  cpu: CpuStats.optional(),
  memory: MemoryStats.optional(),
});

const PodStats = z.looseObject({
  podRef: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string().default('') }),
  containers: z.array(ContainerStats).nullish().transform((v) => v ?? []),
});

export const Summary = z.looseObject({
  node: z.looseObject({
    nodeName: z.string().default(''),
    startTime: z.string().optional(),
    cpu: CpuStats.optional(),
    memory: MemoryStats.optional(),
  }),
  pods: z.array(PodStats).nullish().transform((v) => v ?? []),
});
export type Summary = z.infer<typeof Summary>;
export type ContainerStats = z.infer<typeof ContainerStats>;

/** A Summary from a kubelet's JSON; throws with what is wrong when it is not one. */
export function parseSummary(body: unknown): Summary {
  const parsed = Summary.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a kubelet summary: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}
