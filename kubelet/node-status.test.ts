import { describe, expect, it } from 'vitest';
import { labelsToReconcile, initialNode, type NodeRegistration } from './node-registration.js';
import { desiredNodeStatus, nodeAllocatable, nodeCapacity, nodeStatusChanged, type NodeObject, type NodeStatusInputs } from './node-status.js';

const inputs = (over: Partial<NodeStatusInputs> = {}): NodeStatusInputs => ({
  nodeIP: '127.0.1.1',
  hostname: 'node-1',
  kubeletPort: 10250,
  capacity: { cpu: '4', memory: '8Gi', pods: '110' },
  allocatable: { cpu: '4', memory: '8092Mi', pods: '110' },
  nodeInfo: {
    machineID: 'm',
    systemUUID: 's',
    bootID: 'b',
    kernelVersion: '6.1.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    containerRuntimeVersion: 'docker://20.10.24',
    kubeletVersion: 'v0.1.0',
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: 'amd64',
  },
  ...over,
});

describe('node capacity', () => {
  it('reports quantities as Kubernetes prints them, and holds the eviction thresholds back from allocatable', () => {
    const capacity = nodeCapacity({ cpu: '2', memory: 16 * 1024 * 1024 * 1024, pods: 110, ephemeralStorageBytes: 100 * 1024 * 1024 * 1024 });
    expect(capacity).toEqual({
      cpu: '2',
      'ephemeral-storage': '100Gi',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
      memory: '16Gi',
      pods: '110',
    });
    const allocatable = nodeAllocatable(capacity);
    expect(allocatable.memory).toBe('16284Mi');
    // 90% of the filesystem, a plain decimal as in Kubernetes
    expect(allocatable['ephemeral-storage']).toBe(String((100n * 1024n ** 3n * 9n) / 10n));
    expect(allocatable.cpu).toBe('2');
    // an odd byte count is printed in Ki, as a real node's memory is
    expect(nodeCapacity({ cpu: '1', memory: 25_275_228_160, pods: 110, ephemeralStorageBytes: 0 }).memory).toBe('24682840Ki');
  });
});

describe('desiredNodeStatus', () => {
  it('reports Ready with the kubelet’s reason and every pressure condition False', () => {
    const s = desiredNodeStatus(inputs(), undefined, Date.parse('2024-01-01T00:00:00Z'));
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    expect(s.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.1.1' },
      { type: 'Hostname', address: 'node-1' },
    ]);
    expect(s.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
  });

  it('keeps a condition’s transition time while its status holds, and moves every heartbeat', () => {
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    const first = desiredNodeStatus(inputs(), undefined, t0);
    const second = desiredNodeStatus(inputs(), first, t0 + 10_000);
    const ready = (s: typeof first) => s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready(second).lastTransitionTime).toBe('2024-01-01T00:00:00Z');
    expect(ready(second).lastHeartbeatTime).toBe('2024-01-01T00:00:10Z');
    expect(nodeStatusChanged(first, second)).toBe(false);

    const down = desiredNodeStatus(inputs({ notReadyReason: 'container runtime is down' }), second, t0 + 20_000);
    expect(ready(down)).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down', lastTransitionTime: '2024-01-01T00:00:20Z' });
    expect(nodeStatusChanged(second, down)).toBe(true);
  });
});

describe('node registration', () => {
  const reg: NodeRegistration = {
    nodeName: 'node-1',
    hostname: 'node-1',
    operatingSystem: 'linux',
    architecture: 'amd64',
    extraLabels: { 'example.com/role': 'edge' },
    taints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }],
  };

  it('creates the node with its default and extra labels and its taints', () => {
    const node = initialNode(reg);
    expect(node.metadata.labels).toEqual({
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'node-1',
      'kubernetes.io/os': 'linux',
      'example.com/role': 'edge',
    });
    expect(node.spec.taints).toEqual(reg.taints);
  });

  it('corrects only the default labels of a node registered before', () => {
    const existing = initialNode(reg);
    expect(labelsToReconcile(existing, reg)).toBeUndefined();
    existing.metadata.labels = { 'kubernetes.io/hostname': 'old-name', 'example.com/other': 'x' };
    expect(labelsToReconcile(existing, reg)).toEqual({
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'node-1',
      'kubernetes.io/os': 'linux',
    });
  });
});

describe('NodeStatusReporter', () => {
  it('puts Ready back at once when the server shows the node Unknown, though nothing changed on the kubelet', async () => {
    const { startMemoryApiServer } = await import('../controllers/testing/apiserver.js');
    const { NodeStatusReporter } = await import('./node-status.js');
    const api = await startMemoryApiServer();
    try {
      const nodes = api.client.resource<NodeObject>({ group: '', version: 'v1', plural: 'nodes', namespaced: false });
      await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } } as NodeObject);
      let now = Date.parse('2026-01-01T00:00:00Z');
      const reporter = new NodeStatusReporter({ client: api.client, nodeName: 'node-1', inputs: async () => inputs(), reportFrequencyMs: 60_000, now: () => now });
      expect(await reporter.update()).toBe(true);
      now += 10_000;
      expect(await reporter.update()).toBe(false);

      // what the node lifecycle controller writes when the lease lapsed
      const cur = await nodes.get(undefined, 'node-1');
      const conditions = (cur.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
      await nodes.patchStatus(undefined, 'node-1', { status: { conditions } }, 'merge');

      now += 10_000;
      expect(await reporter.update()).toBe(true);
      const ready = (await nodes.get(undefined, 'node-1')).status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
    } finally {
      await api.stop();
    }
  });
});
