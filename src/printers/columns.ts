// kubectl's columns per resource (k8s.io/kubernetes/pkg/printers/internalversion),
// keyed by "group/plural".
import type { KubeObject } from '../api/meta.js';
import { age } from './duration.js';
import type { TableColumnDefinition } from './table.js';

export interface Printer {
  columns: TableColumnDefinition[];
  row(obj: KubeObject, now: number): unknown[];
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null ? (v as Rec) : {});
const arr = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const col = (name: string, type = 'string', priority = 0, format = '', description = ''): TableColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});
const nameCol = col('Name', 'string', 0, 'name', 'Name must be unique within a namespace.');
const ageCol = col('Age', 'string', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

function podStatusReason(pod: KubeObject): { reason: string; ready: number; total: number; restarts: number; lastRestart?: string } {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const containers = arr(spec.containers);
  let restarts = 0;
  let ready = 0;
  let lastRestart: string | undefined;
  let reason = str(status.reason) || str(status.phase) || 'Pending';
  const initStatuses = arr(status.initContainerStatuses);
  const initSpecs = arr(spec.initContainers);
  let initializing = false;
  initStatuses.forEach((cs, i) => {
    restarts += Number(cs.restartCount ?? 0);
    const state = rec(cs.state);
    const term = rec(state.terminated);
    const waiting = rec(state.waiting);
    const isSidecar = initSpecs[i]?.restartPolicy === 'Always';
    if (state.terminated && term.exitCode === 0) return;
    if (isSidecar && cs.started) return;
    if (initializing) return;
    if (state.terminated) {
      reason = term.reason ? `Init:${str(term.reason)}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      initializing = true;
    } else if (state.waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
      initializing = true;
    }
  });
  if (!initializing) {
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += Number(cs.restartCount ?? 0);
      const lt = rec(rec(cs.lastState).terminated).finishedAt;
      if (typeof lt === 'string' && (!lastRestart || lt > lastRestart)) lastRestart = lt;
      const state = rec(cs.state);
      const waiting = rec(state.waiting);
      const term = rec(state.terminated);
      if (state.waiting && waiting.reason) reason = str(waiting.reason);
      else if (state.terminated && term.reason) reason = str(term.reason);
      else if (state.terminated) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (state.running && cs.ready) {
        hasRunning = true;
        ready++;
      } else if (state.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const conds = arr(status.conditions);
      reason = conds.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return { reason, ready, total: containers.length, restarts, lastRestart };
}

const pods: Printer = {
  columns: [
    nameCol,
    col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 0, '', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol,
    col('IP', 'string', 1, '', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    col('Node', 'string', 1, '', 'Name of the Node this Pod is scheduled on.'),
    col('Nominated Node', 'string', 1, '', 'nominatedNodeName is set when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    col('Readiness Gates', 'string', 1, '', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  row(pod, now) {
    const s = podStatusReason(pod);
    const status = rec(pod.status);
    const spec = rec(pod.spec);
    const restarts = s.lastRestart ? `${s.restarts} (${age(s.lastRestart, now)} ago)` : String(s.restarts);
    const gates = arr(spec.readinessGates);
    const conds = arr(status.conditions);
    const gateStr = gates.length
      ? `${gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`
      : '<none>';
    return [
      pod.metadata.name,
      `${s.ready}/${s.total}`,
      s.reason,
      restarts,
      age(pod.metadata.creationTimestamp, now),
      str(status.podIP) || '<none>',
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      gateStr,
    ];
  },
};

const namespaces: Printer = {
  columns: [nameCol, col('Status', 'string', 0, '', 'The status of the namespace'), ageCol],
  row: (ns, now) => [ns.metadata.name, str(rec(ns.status).phase), age(ns.metadata.creationTimestamp, now)],
};

export const printers: Record<string, Printer> = {
  '/pods': pods,
  '/namespaces': namespaces,
};
