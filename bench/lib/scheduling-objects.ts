// The nodes and pods both scheduler benchmarks place: nodes of 32 cpu /
// 128Gi / 110 pods in three zones, pods asking 100m cpu and 128Mi; an
// anti-affinity pod refuses nodes holding another pod of its label group
// (10 groups, consecutive anti-affinity pods in different groups).
import type { Node, Pod } from '../../src/api/core/v1.js';
import type { NodeObject, PodObject } from './resources.js';

export const ANTI_GROUPS = 10;
export const nodeResources = { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '500Gi' };

export function benchNodeName(i: number): string {
  return `node-${String(i).padStart(5, '0')}`;
}

/** Node i as created through the API (its status is written separately, as a kubelet would). */
export function benchNode(i: number): NodeObject {
  const name = benchNodeName(i);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
  };
}

export const readyNodeStatus: NonNullable<Node['status']> = {
  capacity: nodeResources,
  allocatable: nodeResources,
  conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
};

/** Pod i; with `anti`, required anti-affinity on kubernetes.io/hostname against its own group. */
export function benchPod(namespace: string, i: number, anti: boolean): PodObject {
  // Every tenth pod is an anti-affinity pod; consecutive ones fall in different groups.
  const group = `anti-${Math.trunc(i / 10) % ANTI_GROUPS}`;
  const spec: Pod['spec'] = {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', image: 'skiff/echo:1.0', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
  };
  if (anti) {
    spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: group } } }],
      },
    };
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace, labels: { app: anti ? group : 'bench' } }, spec };
}
