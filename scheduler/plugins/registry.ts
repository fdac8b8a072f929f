// The plugins this build knows, by the names profiles use, and the default
// profile: Kubernetes' default plugin set and score weights, with NodeReady
// and SelectorSpread added.
import type { Registry } from '../framework.js';
import { NodeResourcesBalancedAllocation, NODE_RESOURCES_BALANCED_ALLOCATION, type BalancedAllocationArgs } from './balancedallocation.js';
import { DefaultBinder, DEFAULT_BINDER } from './defaultbinder.js';
import { DefaultPreemption, DEFAULT_PREEMPTION, type DefaultPreemptionArgs } from './defaultpreemption.js';
import { InterPodAffinity, INTER_POD_AFFINITY, type InterPodAffinityArgs } from './interpodaffinity.js';
import { NodeAffinity, NODE_AFFINITY } from './nodeaffinity.js';
import { NodeName, NODE_NAME } from './nodename.js';
import { NodePorts, NODE_PORTS } from './nodeports.js';
import { NodeReady, NODE_READY } from './nodeready.js';
import { NodeResourcesFit, NODE_RESOURCES_FIT, type NodeResourcesFitArgs } from './noderesourcesfit.js';
import { NodeUnschedulable, NODE_UNSCHEDULABLE } from './nodeunschedulable.js';
import { PodTopologySpread, POD_TOPOLOGY_SPREAD } from './podtopologyspread.js';
import { SelectorSpread, SELECTOR_SPREAD } from './selectorspread.js';
import { TaintToleration, TAINT_TOLERATION } from './tainttoleration.js';

const argsOr = <T>(args: unknown): T => (args ?? {}) as T;

/** Plugin args arrive already checked by the config schema (see config.ts). */
export const inTreeRegistry: Registry = {
  [NODE_UNSCHEDULABLE]: () => new NodeUnschedulable(),
  [NODE_NAME]: () => new NodeName(),
  [TAINT_TOLERATION]: () => new TaintToleration(),
  [NODE_READY]: () => new NodeReady(),
  [NODE_AFFINITY]: () => new NodeAffinity(),
  [NODE_PORTS]: () => new NodePorts(),
  [NODE_RESOURCES_FIT]: (args) => new NodeResourcesFit(argsOr<NodeResourcesFitArgs>(args)),
  [POD_TOPOLOGY_SPREAD]: (args, h) => new PodTopologySpread(args, h),
  [INTER_POD_AFFINITY]: (args, h) => new InterPodAffinity(argsOr<InterPodAffinityArgs>(args), h),
  [NODE_RESOURCES_BALANCED_ALLOCATION]: (args) => new NodeResourcesBalancedAllocation(argsOr<BalancedAllocationArgs>(args)),
  [SELECTOR_SPREAD]: (args, h) => new SelectorSpread(args, h),
  [DEFAULT_PREEMPTION]: (args, h) => new DefaultPreemption(argsOr<DefaultPreemptionArgs>(args), h),
  [DEFAULT_BINDER]: (args, h) => new DefaultBinder(args, h),
};

/** The default profile's plugins in order; weight is the score weight where the plugin scores. */
export const defaultPlugins: { name: string; weight?: number }[] = [
  { name: NODE_UNSCHEDULABLE },
  { name: NODE_NAME },
  { name: TAINT_TOLERATION, weight: 3 },
  { name: NODE_READY },
  { name: NODE_AFFINITY, weight: 2 },
  { name: NODE_PORTS },
  { name: NODE_RESOURCES_FIT, weight: 1 },
  { name: POD_TOPOLOGY_SPREAD, weight: 2 },
  { name: INTER_POD_AFFINITY, weight: 2 },
  { name: DEFAULT_PREEMPTION },
  { name: NODE_RESOURCES_BALANCED_ALLOCATION, weight: 1 },
  { name: SELECTOR_SPREAD, weight: 1 },
  { name: DEFAULT_BINDER },
];
