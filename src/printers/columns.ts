// kubectl's columns per resource (k8s.io/kubernetes/pkg/printers/internalversion),
// keyed by "group/plural". The server always fills every column, wide ones
// included; kubectl hides those of priority 1 unless asked for -o wide.
import type { KubeObject } from '../api/meta.js';
import type { TableColumnDefinition } from './table.js';
import { horizontalpodautoscalers } from './autoscaling.js';
import { leases } from './coordination.js';
import { configmaps, events, namespaces, nodes, secrets, serviceaccounts } from './core.js';
import { endpoints, endpointslices, services } from './network.js';
import { pods } from './pods.js';
import { poddisruptionbudgets } from './policy.js';
import { controllerrevisions, cronjobs, daemonsets, deployments, jobs, replicasets, statefulsets } from './workloads.js';

export interface Printer {
  columns: TableColumnDefinition[];
  /** One cell per column, in order; `now` (ms since the epoch) anchors every age and duration. */
  row(obj: KubeObject, now: number): unknown[];
}

export const printers: Record<string, Printer> = {
  '/pods': pods,
  '/namespaces': namespaces,
  '/nodes': nodes,
  '/services': services,
  '/endpoints': endpoints,
  '/configmaps': configmaps,
  '/secrets': secrets,
  '/serviceaccounts': serviceaccounts,
  '/events': events,
  'apps/deployments': deployments,
  'apps/replicasets': replicasets,
  'apps/daemonsets': daemonsets,
  'apps/statefulsets': statefulsets,
  'apps/controllerrevisions': controllerrevisions,
  'batch/jobs': jobs,
  'batch/cronjobs': cronjobs,
  'autoscaling/horizontalpodautoscalers': horizontalpodautoscalers,
  'coordination.k8s.io/leases': leases,
  'discovery.k8s.io/endpointslices': endpointslices,
  'policy/poddisruptionbudgets': poddisruptionbudgets,
};
