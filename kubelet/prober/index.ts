// The kubelet's prober: ProbeManager runs the workers; the probe kinds are exported for lifecycle hooks.
export { ProbeManager, type ProbeEvent, type ProbeManagerOptions } from './manager.js';
export { runProbe, resolveContainerPort, type ProbeTarget } from './run.js';
export type { ProbeOutcome, ProbeResult } from './outcome.js';
export type { ProbeType } from './worker.js';
