import { describe, expect, it } from 'vitest';
import type { PodObject } from '../replicaset/pods.js';
import { calculateCounts, planManage, planRollingUpdate, podsByNode, type FailedPodBackoff } from './manage.js';
import { nodeShouldRunDaemonPod, pinToNode, targetNodeName } from './placement.js';
import type { DaemonSetObject, NodeObject } from './types.js';

const noBackoff: FailedPodBackoff = { tryDelete: () => 0 };

function ds(extra: Partial<DaemonSetObject['spec']> = {}, podSpec: Record<string, unknown> = {}): DaemonSetObject {
  return {
    metadata: { name: 'agent', namespace: 'ns', uid: 'd1' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...podSpec } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...extra,
    },
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: NodeObject['spec']['taints'] = undefined): NodeObject {
  return { metadata: { name, labels }, spec: taints ? { taints } : {} };
}

let seq = 0;
function pod(nodeName: string, hash: string, state: 'ready' | 'pending' | 'failed' = 'ready', created = '2024-01-01T00:00:00Z'): PodObject {
  seq++;
  return {
    metadata: { name: `agent-${seq}`, namespace: 'ns', uid: `p${seq}`, creationTimestamp: created, labels: { app: 'agent', 'controller-revision-hash': hash } },
    spec: { containers: [], affinity: pinToNode(undefined, nodeName) },
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False' }],
    },
  };
}

describe('where a DaemonSet runs', () => {
  it('follows nodeSelector and required node affinity', () => {
    const d = ds({}, { nodeSelector: { disk: 'ssd' } });
    expect(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), d).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node('b', { disk: 'hdd' }), d)).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const affinity = ds({}, {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } },
    });
    expect(nodeShouldRunDaemonPod(node('a', { zone: 'z1' }), affinity).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node('a', { zone: 'z2' }), affinity).shouldRun).toBe(false);
  });

  it('keeps off untolerated taints, stays through NoSchedule but not NoExecute, and tolerates node conditions', () => {
    expect(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', effect: 'NoSchedule' }]), ds())).toEqual({ shouldRun: false, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', effect: 'NoExecute' }]), ds())).toEqual({ shouldRun: false, shouldContinueRunning: false });
    for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure']) {
      expect(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect: 'NoSchedule' }]), ds()).shouldRun).toBe(true);
    }
    expect(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), ds()).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds()).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds({}, { hostNetwork: true })).shouldRun).toBe(true);
  });

  it('pins a pod to its node, replacing the required terms and keeping the rest of the affinity', () => {
    const a = pinToNode(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }],
        },
      },
      'n1',
    );
    expect(a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    expect(a.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(targetNodeName({ metadata: {}, spec: { containers: [], affinity: a } })).toBe('n1');
  });
});

describe('manage', () => {
  it('creates a pod on each eligible node without one and deletes pods that should not be there', () => {
    const nodes = [node('a', { role: 'x' }), node('b', { role: 'x' }), node('c', { role: 'y' })];
    const d = ds({}, { nodeSelector: { role: 'x' } });
    const onC = pod('c', 'h');
    const onGone = pod('gone', 'h');
    const plan = planManage(d, nodes, podsByNode([pod('a', 'h'), onC, onGone]), 'h', Date.now(), noBackoff);
    expect(plan.nodesNeedingPods).toEqual(['b']);
    expect(plan.podsToDelete.map((p) => p.metadata.name).sort()).toEqual([onC.metadata.name, onGone.metadata.name].sort());
  });

  it('keeps the oldest of several pods on a node and replaces failed and succeeded ones', () => {
    const older = pod('a', 'h', 'ready', '2024-01-01T00:00:00Z');
    const newer = pod('a', 'h', 'ready', '2024-01-02T00:00:00Z');
    const failed = pod('b', 'h', 'failed');
    const plan = planManage(ds(), [node('a'), node('b')], podsByNode([newer, older, failed]), 'h', Date.now(), noBackoff);
    expect(plan.podsToDelete.map((p) => p.metadata.name).sort()).toEqual([newer.metadata.name, failed.metadata.name].sort());
    expect(plan.failedPods.map((f) => f.node)).toEqual(['b']);
    // While the failed pod's deletion is backed off, it stays and the sync comes back later.
    const later = planManage(ds(), [node('b')], podsByNode([failed]), 'h', Date.now(), { tryDelete: () => 2000 });
    expect(later.podsToDelete).toEqual([]);
    expect(later.retryAfterMs).toBe(2000);
  });
});

describe('rolling update', () => {
  const nodes = [node('a'), node('b'), node('c')];

  it('replaces at most maxUnavailable available old pods at a time, unavailable old pods first', () => {
    const plan = planRollingUpdate(ds(), nodes, podsByNode([pod('a', 'old'), pod('b', 'old'), pod('c', 'old')]), 'new', Date.now());
    expect(plan.podsToDelete).toHaveLength(1);
    const broken = pod('c', 'old', 'pending');
    const plan2 = planRollingUpdate(ds(), nodes, podsByNode([pod('a', 'old'), pod('b', 'old'), broken]), 'new', Date.now());
    expect(plan2.podsToDelete.map((p) => p.metadata.name)).toEqual([broken.metadata.name]);
    // A new pod not yet available uses up the budget.
    expect(planRollingUpdate(ds(), nodes, podsByNode([pod('a', 'new', 'pending'), pod('b', 'old'), pod('c', 'old')]), 'new', Date.now()).podsToDelete).toEqual([]);
  });

  it('with maxSurge starts new pods beside old ones and removes an old one once its successor is available', () => {
    const surge = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    expect(planRollingUpdate(surge, nodes, podsByNode([pod('a', 'old'), pod('b', 'old'), pod('c', 'old')]), 'new', Date.now())).toEqual({
      podsToDelete: [],
      nodesNeedingPods: ['a'],
    });
    const oldA = pod('a', 'old');
    const plan = planRollingUpdate(surge, nodes, podsByNode([oldA, pod('a', 'new'), pod('b', 'old'), pod('c', 'old')]), 'new', Date.now());
    expect(plan.podsToDelete.map((p) => p.metadata.name)).toEqual([oldA.metadata.name]);
    expect(plan.nodesNeedingPods).toEqual(['b']);
  });
});

describe('status counts', () => {
  it('counts per node by its oldest pod', () => {
    const nodes = [node('a', { run: 'yes' }), node('b', { run: 'yes' }), node('c', { run: 'yes' }), node('d')];
    const d = ds({}, { nodeSelector: { run: 'yes' } });
    const counts = calculateCounts(d, nodes, podsByNode([pod('a', 'new'), pod('b', 'old', 'pending'), pod('d', 'new')]), 'new', Date.now());
    expect(counts).toEqual({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
    });
  });
});
