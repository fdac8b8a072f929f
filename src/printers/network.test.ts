import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { endpoints, endpointslices, services } from './network.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');
const CREATED = '2025-01-05T12:00:00Z'; // AGE "5d"
const obj = (apiVersion: string, kind: string, name: string, rest: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: CREATED },
  ...rest,
});

function service(name: string, spec: Record<string, unknown>, status: Record<string, unknown> = { loadBalancer: {} }): KubeObject {
  return obj('v1', 'Service', name, {
    spec: {
      clusterIP: '10.96.12.34',
      clusterIPs: ['10.96.12.34'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ...spec,
    },
    status,
  });
}

describe('services', () => {
  it('prints a ClusterIP service with its ports and, wide, its selector', () => {
    const svc = service('web', {
      type: 'ClusterIP',
      selector: { tier: 'frontend', app: 'web' },
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
      ],
    });
    expect(services.row(svc, NOW)).toEqual(['web', 'ClusterIP', '10.96.12.34', '<none>', '80/TCP,53/UDP', '5d', 'app=web,tier=frontend']);
    expect(services.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  });

  it('shows the node port of a NodePort service', () => {
    const svc = service('web', { type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }] });
    const cells = services.row(svc, NOW);
    expect(cells[3]).toBe('<none>');
    expect(cells[4]).toBe('80:30080/TCP');
    expect(cells[6]).toBe('<none>');
  });

  it('joins external IPs', () => {
    const svc = service('web', { type: 'ClusterIP', externalIPs: ['203.0.113.7', '203.0.113.8'], ports: [{ protocol: 'TCP', port: 80 }] });
    expect(services.row(svc, NOW)[3]).toBe('203.0.113.7,203.0.113.8');
  });

  it('prints <pending> for a load balancer without ingress, then its addresses sorted and de-duplicated', () => {
    const spec = { type: 'LoadBalancer', ports: [{ protocol: 'TCP', port: 443, nodePort: 31443 }] };
    expect(services.row(service('lb', spec), NOW)[3]).toBe('<pending>');
    const ready = service('lb', spec, { loadBalancer: { ingress: [{ ip: '198.51.100.9' }, { hostname: 'lb.example.com' }, { ip: '198.51.100.2' }, { ip: '198.51.100.9' }] } });
    // The server prints the wide form, so the list is not clipped at 16 characters.
    expect(services.row(ready, NOW)[3]).toBe('198.51.100.2,198.51.100.9,lb.example.com');
    const withExternal = service('lb', { ...spec, externalIPs: ['203.0.113.7'] }, { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } });
    expect(services.row(withExternal, NOW)[3]).toBe('198.51.100.9,203.0.113.7');
    expect(services.row(service('lb', { ...spec, externalIPs: ['203.0.113.7'] }), NOW)[3]).toBe('203.0.113.7');
  });

  it('prints an ExternalName service with its target name and no cluster IP or ports', () => {
    const svc = obj('v1', 'Service', 'db', { spec: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' }, status: { loadBalancer: {} } });
    expect(services.row(svc, NOW)).toEqual(['db', 'ExternalName', '<none>', 'db.example.com', '<none>', '5d', '<none>']);
  });

  it('prints None for a headless service', () => {
    const svc = service('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(services.row(svc, NOW).slice(1, 5)).toEqual(['ClusterIP', 'None', '<none>', '5432/TCP']);
  });
});

function eps(name: string, subsets: unknown[] | undefined): KubeObject {
  return obj('v1', 'Endpoints', name, subsets ? { subsets } : {});
}

describe('endpoints', () => {
  it('lists address:port pairs, truncated after three with how many more', () => {
    const addresses = ['10.244.1.5', '10.244.1.6', '10.244.2.7', '10.244.2.8'].map((ip) => ({ ip, nodeName: 'node-1', targetRef: { kind: 'Pod', name: ip } }));
    expect(endpoints.row(eps('web', [{ addresses, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]), NOW)).toEqual([
      'web',
      '10.244.1.5:8080,10.244.1.6:8080,10.244.2.7:8080 + 1 more...',
      '5d',
    ]);
    const three = addresses.slice(0, 3);
    expect(endpoints.row(eps('web', [{ addresses: three, ports: [{ port: 8080, protocol: 'TCP' }] }]), NOW)[1]).toBe(
      '10.244.1.5:8080,10.244.1.6:8080,10.244.2.7:8080',
    );
  });

  it('pairs every address with every port and counts the rest the way kubectl does', () => {
    const subset = {
      addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }],
      notReadyAddresses: [{ ip: '10.0.0.9' }],
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP' },
      ],
    };
    expect(endpoints.row(eps('web', [subset]), NOW)[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  });

  it('prints bare IPs for a subset without ports, brackets IPv6 and says <none> with no subsets', () => {
    expect(endpoints.row(eps('headless', [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }]), NOW)[1]).toBe('10.0.0.1,10.0.0.2');
    expect(endpoints.row(eps('v6', [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80, protocol: 'TCP' }] }]), NOW)[1]).toBe('[fd00::1]:80');
    expect(endpoints.row(eps('empty', undefined), NOW)[1]).toBe('<none>');
    // Only not-ready pods behind the service: the subset exists but lists nothing ready.
    expect(endpoints.row(eps('warming', [{ notReadyAddresses: [{ ip: '10.0.0.3' }], ports: [{ port: 80 }] }]), NOW)[1]).toBe('');
  });
});

describe('endpointslices', () => {
  it('prints the address type, ports and addresses of a slice', () => {
    const slice = obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-x7k2p', {
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1' },
        { addresses: ['10.244.2.7'], conditions: { ready: false }, nodeName: 'node-2' },
      ],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ],
    });
    expect(endpointslices.row(slice, NOW)).toEqual(['web-x7k2p', 'IPv4', '8080,9090', '10.244.1.5,10.244.2.7', '5d']);
    expect(endpointslices.columns.map((c) => c.name)).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
  });

  it('prints <unset> for an empty slice, * for "all ports", and truncates after three', () => {
    expect(endpointslices.row(obj('discovery.k8s.io/v1', 'EndpointSlice', 's', { addressType: 'IPv4', endpoints: [], ports: [] }), NOW).slice(2, 4)).toEqual([
      '<unset>',
      '<unset>',
    ]);
    const slice = obj('discovery.k8s.io/v1', 'EndpointSlice', 's', {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }, { addresses: ['10.0.0.5'] }],
      ports: [{ port: null, protocol: 'TCP' }, { name: 'named', protocol: 'TCP' }, { port: 80 }, { port: 81 }],
    });
    expect(endpointslices.row(slice, NOW).slice(2, 4)).toEqual(['*,named,80 + 1 more...', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
  });
});
