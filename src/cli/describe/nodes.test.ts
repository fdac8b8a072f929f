import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/core/v1.js';
import { describeNode, nodeRoles } from './nodes.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

const node: Node = {
  metadata: {
    name: 'node-1',
    creationTimestamp: '2024-05-01T11:00:00Z',
    labels: { 'kubernetes.io/hostname': 'node-1', 'node-role.kubernetes.io/control-plane': '' },
  },
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
  status: {
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    addresses: [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'node-1' },
    ],
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        lastHeartbeatTime: '2024-05-01T12:09:50Z',
        lastTransitionTime: '2024-05-01T11:00:10Z',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
      },
    ],
    nodeInfo: {
      machineID: 'm',
      systemUUID: 's',
      bootID: 'b',
      kernelVersion: '6.1.0',
      osImage: 'Debian GNU/Linux 12',
      operatingSystem: 'linux',
      architecture: 'amd64',
      containerRuntimeVersion: 'docker://20.10.24',
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: '',
    },
  },
};

const pod = (name: string, resources?: { requests?: Record<string, string>; limits?: Record<string, string> }, extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T12:05:00Z' },
  spec: { containers: [{ name: 'a', ...(resources ? { resources } : {}) }], ...extra },
});

describe('describeNode', () => {
  it("prints roles, taints, lease, conditions, capacity, system info and the pods' requests and limits", () => {
    const pods = [pod('web-1', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }), pod('web-2')];
    const lease = { lease: { metadata: {}, spec: { holderIdentity: 'node-1', renewTime: '2024-05-01T12:09:58.123456Z' } } };
    expect(describeNode(node, pods, lease, [], now)).toBe(
      [
        "Name:               node-1",
        "Roles:              control-plane",
        "Labels:             kubernetes.io/hostname=node-1",
        "                    node-role.kubernetes.io/control-plane=",
        "Annotations:        <none>",
        "CreationTimestamp:  Wed, 01 May 2024 11:00:00 +0000",
        "Taints:             node-role.kubernetes.io/control-plane:NoSchedule",
        "Unschedulable:      false",
        "Lease:",
        "  HolderIdentity:  node-1",
        "  AcquireTime:     <unset>",
        "  RenewTime:       Wed, 01 May 2024 12:09:58 +0000",
        "Conditions:",
        "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message",
        "  ----    ------  -----------------                 ------------------                ------         -------",
        "  Ready   True    Wed, 01 May 2024 12:09:50 +0000   Wed, 01 May 2024 11:00:10 +0000   KubeletReady   kubelet is posting ready status",
        "Addresses:",
        "  InternalIP:  10.0.0.5",
        "  Hostname:    node-1",
        "Capacity:",
        "  cpu:     2",
        "  memory:  4Gi",
        "  pods:    110",
        "Allocatable:",
        "  cpu:     2",
        "  memory:  4Gi",
        "  pods:    110",
        "System Info:",
        "  Machine ID:                 m",
        "  System UUID:                s",
        "  Boot ID:                    b",
        "  Kernel Version:             6.1.0",
        "  OS Image:                   Debian GNU/Linux 12",
        "  Operating System:           linux",
        "  Architecture:               amd64",
        "  Container Runtime Version:  docker://20.10.24",
        "  Kubelet Version:            v1.32.0",
        "  Kube-Proxy Version:         ",
        "PodCIDR:                      10.244.1.0/24",
        "PodCIDRs:                     10.244.1.0/24",
        "Non-terminated Pods:          (2 in total)",
        "  Namespace                   Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
        "  ---------                   ----     ------------  ----------  ---------------  -------------  ---",
        "  default                     web-1    250m (12%)    500m (25%)  64Mi (1%)        128Mi (3%)     5m",
        "  default                     web-2    0 (0%)        0 (0%)      0 (0%)           0 (0%)         5m",
        "Allocated resources:",
        "  (Total limits may be over 100 percent, i.e., overcommitted.)",
        "  Resource           Requests    Limits",
        "  --------           --------    ------",
        "  cpu                250m (12%)  500m (25%)",
        "  memory             64Mi (1%)   128Mi (3%)",
        "  ephemeral-storage  0 (0%)      0 (0%)",
        "Events:              <none>",
        '',
      ].join('\n'),
    );
  });

  it('counts init containers while they run and sidecars all along, as the scheduler does', () => {
    const withInit = pod('job-1', { requests: { cpu: '100m' } }, {
      initContainers: [
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { name: 'setup', resources: { requests: { cpu: '1' } } },
      ],
      overhead: { cpu: '10m' },
    });
    const text = describeNode(node, [withInit], undefined, undefined, now);
    // max(100m + 50m, 1 + 50m) + 10m overhead
    expect(text).toMatch(/^  default\s+job-1\s+1060m \(53%\)\s+0 \(0%\)/m);
    expect(text).toMatch(/^  cpu\s+1060m \(53%\)\s+0 \(0%\)$/m);
  });

  it("says when the lease or the pods can't be read", () => {
    const text = describeNode(node, undefined, { error: 'leases.coordination.k8s.io "node-1" not found' }, undefined, now);
    expect(text).toMatch(/^Lease:\s+Failed to get lease: leases\.coordination\.k8s\.io "node-1" not found$/m);
    expect(text).toMatch(/^Pods:\s+not authorized$/m);
  });

  it('finds roles in node-role labels and in the kubernetes.io/role label', () => {
    expect(nodeRoles({ ...node, metadata: { labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': 'x' } } })).toEqual([
      'edge',
      'worker',
    ]);
  });
});
