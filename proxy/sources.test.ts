import { describe, expect, it } from 'vitest';
import { serviceState } from './sources.js';
import { fakeSources, service, slice } from './testing/fake-sources.js';

describe('serviceState', () => {
  it('lists every port of every proxied service with the endpoints of its slices', () => {
    const { sources } = fakeSources(
      [
        service('default', 'web', {
          clusterIP: '10.96.0.20',
          type: 'NodePort',
          ports: [
            { name: 'http', port: 80, nodePort: 30080 },
            { name: 'dns', port: 53, protocol: 'UDP' },
          ],
          sessionAffinity: 'ClientIP',
        }),
      ],
      [
        slice('default', 'web', [{ ip: '172.17.0.3' }, { ip: '172.17.0.2', ready: false }], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], 'a'),
        // the same pod listed again by a second slice, ready there: kept once, ready
        slice('default', 'web', [{ ip: '172.17.0.2' }], [{ name: 'http', port: 8080 }], 'b'),
      ],
    );
    const state = serviceState(sources);
    expect(state.ports.map((p) => [p.name, p.protocol, p.clusterIP, p.port, p.nodePort, p.affinitySeconds])).toEqual([
      ['default/web:dns', 'UDP', '10.96.0.20', 53, undefined, 10800],
      ['default/web:http', 'TCP', '10.96.0.20', 80, 30080, 10800],
    ]);
    expect(state.endpoints.get('default/web:http/TCP')!.map((e) => [e.ip, e.port, e.ready])).toEqual([
      ['172.17.0.2', 8080, true],
      ['172.17.0.3', 8080, true],
    ]);
    expect(state.endpoints.get('default/web:dns/UDP')!.map((e) => [e.ip, e.port, e.ready])).toEqual([
      ['172.17.0.2', 5353, false],
      ['172.17.0.3', 5353, true],
    ]);
  });

  it('skips headless, ExternalName and foreign-proxy services, and slices of other services', () => {
    const foreign = service('default', 'other', { clusterIP: '10.96.0.30', ports: [{ port: 80 }] });
    foreign.metadata.labels = { 'service.kubernetes.io/service-proxy-name': 'someone-else' };
    const { sources } = fakeSources(
      [
        service('default', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
        service('default', 'ext', { type: 'ExternalName', externalName: 'example.org' }),
        foreign,
        service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] }),
      ],
      [slice('default', 'headless', [{ ip: '172.17.0.9' }], [{ port: 80 }]), slice('other', 'web', [{ ip: '172.17.0.8' }], [{ port: 80 }])],
    );
    const state = serviceState(sources);
    expect(state.ports.map((p) => p.name)).toEqual(['default/web']);
    expect(state.endpoints.get('default/web/TCP')).toEqual([]);
  });

  it('reads the balancing policy from the skiff.io/load-balancer annotation, round-robin otherwise', () => {
    const { sources } = fakeSources([
      service('default', 'a', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] }, { 'skiff.io/load-balancer': 'ewma' }),
      service('default', 'b', { clusterIP: '10.96.0.22', ports: [{ port: 80 }] }, { 'skiff.io/load-balancer': 'fastest-please' }),
    ]);
    expect(serviceState(sources).ports.map((p) => p.policy)).toEqual(['ewma', 'round-robin']);
  });
});
