import { describe, expect, it } from 'vitest';
import type { PodObject } from '../replicaset/pods.js';
import { findPort, type ServiceObject } from './pod-endpoints.js';
import { repackSubsets, subsetsEqual, subsetsFor, truncateSubsets } from './subsets.js';

function pod(name: string, ip: string, o: { ready?: boolean; ports?: { name: string; containerPort: number; protocol?: string }[]; deleting?: boolean; phase?: string; node?: string } = {}): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', image: 'x', ports: o.ports ?? [] }] },
    status: {
      phase: o.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  } as PodObject;
}

function service(ports: ServiceObject['spec']['ports'], extra: Partial<ServiceObject['spec']> = {}): ServiceObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports, ...extra },
  };
}

const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip);

describe('port resolution', () => {
  it('uses a numeric targetPort as is and looks a named one up by name and protocol', () => {
    const p = pod('a', '10.0.0.1', { ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] });
    expect(findPort(p, { port: 80, targetPort: 9090, protocol: 'TCP' })).toBe(9090);
    expect(findPort(p, { port: 80, targetPort: 'http', protocol: 'TCP' })).toBe(8080);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' })).toBe(53);
    expect(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' })).toBeUndefined();
    expect(findPort(p, { port: 80, targetPort: 'metrics', protocol: 'TCP' })).toBeUndefined();
  });
});

describe('Endpoints subsets', () => {
  it('lists ready pods in addresses and unready ones in notReadyAddresses, with node and pod reference', () => {
    const subsets = subsetsFor(service([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]), [
      pod('b', '10.0.0.2'),
      pod('a', '10.0.0.1'),
      pod('c', '10.0.0.3', { ready: false }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
          { ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.0.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('groups pods into subsets by the port numbers their named targetPort resolves to', () => {
    const svc = service([{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }]);
    const subsets = subsetsFor(svc, [
      pod('a', '10.0.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }),
      pod('b', '10.0.0.2', { ports: [{ name: 'web', containerPort: 9090 }] }),
      pod('c', '10.0.0.3', { ports: [{ name: 'web', containerPort: 8080 }] }),
      pod('d', '10.0.0.4', { ports: [{ name: 'other', containerPort: 7070 }] }),
    ]);
    expect(subsets.map((s) => ({ ips: ips(s.addresses), ports: s.ports?.map((p) => p.port) }))).toEqual([
      { ips: ['10.0.0.1', '10.0.0.3'], ports: [8080] },
      { ips: ['10.0.0.2'], ports: [9090] },
    ]);
  });

  it('puts an address offering every port in one subset with all the ports', () => {
    const svc = service([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const subsets = subsetsFor(svc, [
      pod('a', '10.0.0.1', { ports: [{ name: 'metrics', containerPort: 9100 }] }),
      pod('b', '10.0.0.2'),
    ]);
    expect(subsets.map((s) => ({ ips: ips(s.addresses), ports: s.ports?.map((p) => p.name) }))).toEqual([
      { ips: ['10.0.0.1', '10.0.0.2'], ports: ['http'] },
      { ips: ['10.0.0.1'], ports: ['metrics'] },
    ]);
  });

  it('leaves out pods without an IP, finished pods and terminating pods', () => {
    const svc = service([{ port: 80, targetPort: 80, protocol: 'TCP' }]);
    const subsets = subsetsFor(svc, [
      pod('a', '10.0.0.1'),
      pod('noip', ''),
      pod('done', '10.0.0.5', { phase: 'Succeeded' }),
      pod('going', '10.0.0.6', { deleting: true }),
    ]);
    expect(subsets.flatMap((s) => [...ips(s.addresses), ...ips(s.notReadyAddresses)])).toEqual(['10.0.0.1']);
  });

  it('publishes unready and terminating pods as ready when publishNotReadyAddresses is set', () => {
    const svc = service([{ port: 80, targetPort: 80, protocol: 'TCP' }], { publishNotReadyAddresses: true });
    const subsets = subsetsFor(svc, [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2', { deleting: true })]);
    expect(subsets).toHaveLength(1);
    expect(ips(subsets[0]!.addresses)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(subsets[0]!.notReadyAddresses).toBeUndefined();
  });

  it('publishes a headless service without ports, and nothing for a cluster-IP service without ports', () => {
    const pods = [pod('a', '10.0.0.1')];
    expect(subsetsFor(service([], { clusterIP: 'None' }), pods)).toEqual([
      { addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }] },
    ]);
    expect(subsetsFor(service([]), pods)).toEqual([]);
  });

  it('marks an address not ready for a port where any subset has it not ready', () => {
    const addr = { ip: '10.0.0.1', targetRef: { kind: 'Pod', uid: 'u1' } };
    const port = { name: 'p', port: 80, protocol: 'TCP' };
    const repacked = repackSubsets([
      { addresses: [addr], ports: [port] },
      { notReadyAddresses: [addr], ports: [port] },
    ]);
    expect(repacked).toEqual([{ notReadyAddresses: [addr], ports: [port] }]);
  });

  it('truncates to the capacity, ready addresses first', () => {
    const many = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` }));
    const subsets = [{ addresses: many(900, 1), notReadyAddresses: many(300, 2) }];
    expect(truncateSubsets(subsets)).toBe(true);
    expect(subsets[0]!.addresses).toHaveLength(900);
    expect(subsets[0]!.notReadyAddresses).toHaveLength(100);
    expect(truncateSubsets([{ addresses: many(10, 3) }])).toBe(false);
  });

  it('compares subsets without the pods resourceVersions', () => {
    const a = [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', uid: 'u', resourceVersion: '5' } }] }];
    const b = [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', uid: 'u', resourceVersion: '9' } }] }];
    expect(subsetsEqual(a, b)).toBe(true);
    expect(subsetsEqual(a, [{ addresses: [{ ip: '10.0.0.2', targetRef: { kind: 'Pod', uid: 'u' } }] }])).toBe(false);
  });
});
