// Flags for the Node.js runtime a component runs in, given where it is
// started (`skiff up`, docker-compose, the benchmarks) since V8 reads them
// only when the process starts.
//
// The apiserver allocates a short-lived copy of nearly every object it
// decodes, validates, stores and serializes; with V8's default 16 MiB young
// generation it spends a large share of its time in scavenges. A 64 MiB
// semi-space cuts its CPU per request by about a sixth under load
// (bench/scheduler.ts: 1.50-1.58 vs 1.77-1.95 apiserver CPU seconds per
// 1,000 pods scheduled) for at most 128 MiB more memory.
export const APISERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

// The scheduler decodes every pod it watches (twice per pod: unassigned, then
// bound) and allocates per scheduling cycle; the same 64 MiB semi-space cuts
// its CPU per pod (bench/scheduler.ts, 5,000 nodes streaming: 0.38-0.43 vs
// 0.47-0.50 scheduler CPU seconds per 1,000 pods) for a peak RSS of about
// 270 MB instead of 230 MB at 5,000 nodes and 10,000 pods.
export const SCHEDULER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
