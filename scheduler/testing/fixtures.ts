// Builders for the scheduler's unit tests: nodes and pods in the shapes the
// informers deliver, and a framework over an in-memory cache with the
// default (or a given) profile, no apiserver needed.
import { pino } from 'pino';
import type { Node, Pod, PodAffinityTerm, Taint, Toleration, TopologySpreadConstraint } from '../../src/api/core/v1.js';
import { FakeClock } from '../../src/client/index.js';
import { PodScheduler } from '../algorithm.js';
import { SchedulerCache } from '../cache.js';
import { schedulerConfigFrom } from '../config.js';
import { CycleState, Framework } from '../framework.js';
import { NodeInfo, PodInfo } from '../nodeinfo.js';
import { inTreeRegistry } from '../plugins/registry.js';
import { SchedulingQueue } from '../queue.js';

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeralStorage?: string;
  extra?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
}

export function makeNode(name: string, o: NodeOpts = {}): Node {
  const resources = {
    cpu: o.cpu ?? '4',
    memory: o.memory ?? '8Gi',
    pods: o.pods ?? '110',
    'ephemeral-storage': o.ephemeralStorage ?? '100Gi',
    ...o.extra,
  };
  const ready = o.ready ?? 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: ready === 'missing' ? [] : [{ type: 'Ready', status: ready }],
    },
  };
}

export interface PodOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  requests?: Record<string, string>;
  labels?: Record<string, string>;
  priority?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Pod['spec']['affinity'];
  tolerations?: Toleration[];
  hostPorts?: number[];
  owner?: string;
  spread?: TopologySpreadConstraint[];
  schedulerName?: string;
  preemptionPolicy?: string;
  nominatedNodeName?: string;
  startTime?: string;
  deleting?: boolean;
}

export function makePod(name: string, o: PodOpts = {}): Pod {
  const requests = o.requests ?? { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) };
  const namespace = o.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${namespace}-${name}`,
      labels: o.labels ?? { app: name },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `rs-${o.owner}`, controller: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          resources: Object.keys(requests).length ? { requests } : {},
          ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p, hostPort: p, protocol: 'TCP' })) } : {}),
        },
      ],
      schedulerName: o.schedulerName ?? 'default-scheduler',
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.spread ? { topologySpreadConstraints: o.spread } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
    },
    status: {
      phase: o.nodeName ? 'Running' : 'Pending',
      ...(o.nominatedNodeName ? { nominatedNodeName: o.nominatedNodeName } : {}),
      ...(o.startTime ? { startTime: o.startTime } : {}),
    },
  };
}

/** Required anti-affinity against pods labelled app=<app>, per topologyKey. */
export function antiAffinity(app: string, topologyKey = 'kubernetes.io/hostname'): Pod['spec']['affinity'] {
  const term: PodAffinityTerm = { labelSelector: { matchLabels: { app } }, topologyKey };
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
}

export function affinity(app: string, topologyKey = 'kubernetes.io/hostname'): Pod['spec']['affinity'] {
  const term: PodAffinityTerm = { labelSelector: { matchLabels: { app } }, topologyKey };
  return { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
}

export interface TestCluster {
  clock: FakeClock;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  fwk: Framework;
  algorithm: PodScheduler;
  /** runs one scheduling decision */
  schedule(pod: Pod, percentage?: number): ReturnType<PodScheduler['schedule']> & { state: CycleState };
}

/** A cache with these nodes and (bound) pods, and the default profile unless a configuration is given. */
export function testCluster(nodes: Node[], pods: Pod[] = [], config?: unknown): TestCluster {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock });
  const queue = new SchedulingQueue({ clock });
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  const cfg = schedulerConfigFrom(config);
  const fwk = new Framework(cfg.profiles[0]!.schedulerName, inTreeRegistry, cfg.profiles[0]!.plugins, {
    snapshot: cache,
    namespaceLabels: () => ({}),
    nominator: queue,
    clock,
    log: pino({ level: 'silent' }),
  });
  let seq = 0;
  const algorithm = new PodScheduler(cache, () => {
    // A fixed sequence keeps tie-breaks reproducible.
    seq = (seq * 1103515245 + 12345) % 2 ** 31;
    return seq / 2 ** 31;
  });
  return {
    clock,
    cache,
    queue,
    fwk,
    algorithm,
    schedule(pod, percentage = 0) {
      const state = new CycleState();
      return { ...algorithm.schedule(fwk, state, new PodInfo(pod), percentage), state };
    },
  };
}

/** A NodeInfo holding these pods, outside any cache. */
export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const n = new NodeInfo(node);
  for (const p of pods) n.addPod(new PodInfo(p));
  return n;
}
