// `kubectl get pods`: printPod in Kubernetes' internalversion printers, with
// its STATUS column that summarises phase, init containers, container states
// and deletion into one word.
import type { KubeObject } from '../api/meta.js';
import { age, humanDuration } from './duration.js';
import { ageColumn, arr, col, conditionTrue, int, isObj, nameColumn, rec, str, type Rec } from './cells.js';
import type { Printer } from './columns.js';

interface PodSummary {
  reason: string;
  ready: number;
  total: number;
  restarts: number;
  /** when the most recently restarted container last terminated, in ms; absent when unknown */
  lastRestart?: number;
}

const isRestartable = (c: Rec | undefined): boolean => c?.restartPolicy === 'Always';

function finishedAt(cs: Rec): number | undefined {
  const t = Date.parse(str(rec(rec(cs.lastState).terminated).finishedAt));
  return Number.isNaN(t) ? undefined : t;
}

const later = (a: number | undefined, b: number | undefined): number | undefined => (b !== undefined && (a === undefined || b > a) ? b : a);

function terminatedReason(term: Rec, prefix: string): string {
  if (str(term.reason)) return prefix + str(term.reason);
  const signal = int(term.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(term.exitCode)}`;
}

function summarizePod(pod: KubeObject): PodSummary {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const phase = str(status.phase);
  const initSpecs = arr(spec.initContainers);
  const initByName = new Map(initSpecs.map((c) => [str(c.name), c]));

  let reason = str(status.reason) || phase;
  if (arr(status.conditions).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  // Sidecars (restartable init containers) run beside the main containers, so they count towards READY.
  let total = arr(spec.containers).length + initSpecs.filter((c) => isRestartable(c)).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const count = int(cs.restartCount);
    restarts += count;
    lastRestart = later(lastRestart, finishedAt(cs));
    const sidecar = isRestartable(initByName.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += count;
      lastSidecarRestart = later(lastSidecarRestart, finishedAt(cs));
    }
    const state = rec(cs.state);
    const term = isObj(state.terminated) ? rec(state.terminated) : undefined;
    const waiting = isObj(state.waiting) ? rec(state.waiting) : undefined;
    if (term && int(term.exitCode) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (term) reason = terminatedReason(term, 'Init:');
    else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') reason = `Init:${str(waiting.reason)}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, finishedAt(cs));
      const state = rec(cs.state);
      const waiting = rec(state.waiting);
      const term = rec(state.terminated);
      if (isObj(state.waiting) && str(waiting.reason)) reason = str(waiting.reason);
      else if (isObj(state.terminated)) reason = terminatedReason(term, '');
      else if (cs.ready === true && isObj(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    // A container that finished while another still runs leaves the pod running, not completed.
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  return { reason, ready, total, restarts, lastRestart };
}

/** The pod's first IP; the legacy podIP field wins, as the API's conversion makes it. */
function podIP(status: Rec): string {
  return str(status.podIP) || str(arr(status.podIPs)[0]?.ip);
}

function readinessGates(spec: Rec, status: Rec): string {
  const gates = arr(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  const conds = arr(status.conditions);
  const met = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${met}/${gates.length}`;
}

export const pods: Printer = {
  columns: [
    nameColumn,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col(
      'Node',
      'string',
      'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
      1,
    ),
    col(
      'Nominated Node',
      'string',
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
      1,
    ),
    col(
      'Readiness Gates',
      'string',
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
      1,
    ),
  ],
  row(pod, now) {
    const s = summarizePod(pod);
    const spec = rec(pod.spec);
    const status = rec(pod.status);
    const restarts = s.restarts !== 0 && s.lastRestart !== undefined ? `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)` : String(s.restarts);
    return [
      pod.metadata.name,
      `${s.ready}/${s.total}`,
      s.reason,
      restarts,
      age(pod.metadata.creationTimestamp, now),
      podIP(status) || '<none>',
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates(spec, status),
    ];
  },
};
