import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { configmaps, events, namespaces, nodes, secrets, serviceaccounts } from './core.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');
const CREATED = '2025-01-05T12:00:00Z'; // AGE "5d"
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();
const obj = (kind: string, name: string, rest: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: CREATED, ...meta },
  ...rest,
});

function node(name: string, opts: { ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; labels?: Record<string, string> } = {}): KubeObject {
  const conditions = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
    ...(opts.ready ? [{ type: 'Ready', status: opts.ready, reason: 'KubeletReady', lastHeartbeatTime: ago(10) }] : []),
  ];
  return obj(
    'Node',
    name,
    {
      spec: { podCIDR: '10.244.0.0/24', ...(opts.unschedulable ? { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } : {}) },
      status: {
        conditions,
        addresses: [
          { type: 'InternalIP', address: '192.168.1.10' },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          kernelVersion: '6.1.0-18-amd64',
          containerRuntimeVersion: 'docker://20.10.24',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    },
    { labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...opts.labels } },
  );
}

describe('nodes', () => {
  it('prints a ready control-plane node as kubectl get nodes -o wide does', () => {
    const n = node('node-1', { ready: 'True', labels: { 'node-role.kubernetes.io/control-plane': '' } });
    expect(nodes.row(n, NOW)).toEqual([
      'node-1',
      'Ready',
      'control-plane',
      '5d',
      'v1.32.0',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '6.1.0-18-amd64',
      'docker://20.10.24',
    ]);
    expect(nodes.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Status', 0],
      ['Roles', 0],
      ['Age', 0],
      ['Version', 0],
      ['Internal-IP', 1],
      ['External-IP', 1],
      ['OS-Image', 1],
      ['Kernel-Version', 1],
      ['Container-Runtime', 1],
    ]);
  });

  it('adds SchedulingDisabled to a cordoned node', () => {
    expect(nodes.row(node('n', { ready: 'True', unschedulable: true }), NOW)[1]).toBe('Ready,SchedulingDisabled');
    expect(nodes.row(node('n', { ready: 'False', unschedulable: true }), NOW)[1]).toBe('NotReady,SchedulingDisabled');
  });

  it('says NotReady when the kubelet stopped reporting, Unknown when it never did', () => {
    expect(nodes.row(node('n', { ready: 'Unknown' }), NOW)[1]).toBe('NotReady');
    expect(nodes.row(node('n'), NOW)[1]).toBe('Unknown');
  });

  it('collects roles from both label styles, sorted, and <none> without any', () => {
    const n = node('n', { ready: 'True', labels: { 'node-role.kubernetes.io/infra': '', 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/': '' } });
    expect(nodes.row(n, NOW)[2]).toBe('infra,worker');
    expect(nodes.row(node('n', { ready: 'True' }), NOW)[2]).toBe('<none>');
  });

  it('prints <unknown> for system info a node has not reported yet', () => {
    const bare = obj('Node', 'fresh', { spec: {}, status: {} });
    expect(nodes.row(bare, NOW)).toEqual(['fresh', 'Unknown', '<none>', '5d', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('namespaces', () => {
  it('prints the phase', () => {
    expect(namespaces.row(obj('Namespace', 'dev', { status: { phase: 'Terminating' } }), NOW)).toEqual(['dev', 'Terminating', '5d']);
  });
});

describe('configmaps, secrets and serviceaccounts', () => {
  it('counts data and binaryData keys of a configmap as a number', () => {
    const cm = obj('ConfigMap', 'settings', { data: { 'app.conf': 'x=1', mode: 'dev' }, binaryData: { 'logo.png': 'iVBORw0=' } });
    expect(configmaps.row(cm, NOW)).toEqual(['settings', 3, '5d']);
    expect(configmaps.row(obj('ConfigMap', 'empty'), NOW)).toEqual(['empty', 0, '5d']);
  });

  it('prints a secret type and how many data keys it holds', () => {
    const s = obj('Secret', 'db', { type: 'Opaque', data: { username: 'YWRtaW4=', password: 'czNjcjN0' } });
    expect(secrets.row(s, NOW)).toEqual(['db', 'Opaque', 2, '5d']);
    expect(secrets.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
  });

  it('counts the secrets a service account lists', () => {
    expect(serviceaccounts.row(obj('ServiceAccount', 'default'), NOW)).toEqual(['default', 0, '5d']);
    expect(serviceaccounts.row(obj('ServiceAccount', 'builder', { secrets: [{ name: 'builder-token' }] }), NOW)).toEqual(['builder', 1, '5d']);
  });
});

describe('events', () => {
  it('prints a kubelet event the way kubectl get events -o wide does', () => {
    const ev = obj(
      'Event',
      'web-7d4b9c-abcde.181a2b3c4d5e6f70',
      {
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-7d4b9c-abcde', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
        reason: 'Pulled',
        message: 'Container image "nginx:1.27" already present on machine\n',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: ago(600),
        lastTimestamp: ago(120),
        count: 3,
        type: 'Normal',
        reportingComponent: 'kubelet',
        reportingInstance: 'node-1',
      },
      { namespace: 'default' },
    );
    expect(events.row(ev, NOW)).toEqual([
      '2m',
      'Normal',
      'Pulled',
      'pod/web-7d4b9c-abcde',
      'spec.containers{web}',
      'kubelet, node-1',
      'Container image "nginx:1.27" already present on machine',
      '10m',
      3,
      'web-7d4b9c-abcde.181a2b3c4d5e6f70',
    ]);
    expect(events.columns.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  });

  it('reads series, eventTime and the reporting controller from events written through events.k8s.io', () => {
    const ev = obj('Event', 'web.1', {
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'FailedScheduling',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      source: {},
      eventTime: ago(900),
      series: { count: 5, lastObservedTime: ago(30) },
      type: 'Warning',
      reportingComponent: 'default-scheduler',
      reportingInstance: '',
    });
    const cells = events.row(ev, NOW);
    expect(cells.slice(0, 4)).toEqual(['30s', 'Warning', 'FailedScheduling', 'pod/web']);
    expect(cells.slice(5)).toEqual(['default-scheduler', '0/1 nodes are available: 1 Insufficient cpu.', '15m', 5, 'web.1']);
  });

  it('counts a singleton event once and names an object without a name by its kind', () => {
    const ev = obj('Event', 'n.1', { involvedObject: { kind: 'Node' }, reason: 'RegisteredNode', type: 'Normal', firstTimestamp: ago(5), source: { component: 'node-controller' } });
    expect(events.row(ev, NOW)).toEqual(['5s', 'Normal', 'RegisteredNode', 'node', '', 'node-controller', '', '5s', 1, 'n.1']);
  });
});
