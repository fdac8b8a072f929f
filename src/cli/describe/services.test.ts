import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '../../api/core/v1.js';
import type { EndpointSlice } from '../../api/discovery/v1.js';
import { describeEndpoints, describeEndpointSlice, describeService, formatEndpoints, formatEndpointSlices } from './services.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

const svc: Service = {
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
  },
};

const slice = (ips: [string, boolean | undefined][], portName = 'http'): EndpointSlice => ({
  metadata: {},
  ports: [{ name: portName, port: 8080, protocol: 'TCP' }],
  endpoints: ips.map(([ip, ready]) => ({ addresses: [ip], ...(ready === undefined ? {} : { conditions: { ready } }) })),
});

describe('describeService', () => {
  it('prints type, IPs, ports and the ready endpoints from its EndpointSlices', () => {
    expect(describeService(svc, [slice([['10.244.0.5', true], ['10.244.0.6', false]])], undefined, [], now)).toBe(
      [
        "Name:                     web",
        "Namespace:                default",
        "Labels:                   app=web",
        "Annotations:              <none>",
        "Selector:                 app=web",
        "Type:                     ClusterIP",
        "IP Family Policy:         SingleStack",
        "IP Families:              IPv4",
        "IP:                       10.96.0.10",
        "IPs:                      10.96.0.10",
        "Port:                     http  80/TCP",
        "TargetPort:               8080/TCP",
        "Endpoints:                10.244.0.5:8080",
        "Session Affinity:         None",
        "Internal Traffic Policy:  Cluster",
        "Events:                   <none>",
        '',
      ].join('\n'),
    );
  });

  it('falls back to the Endpoints object when there is no EndpointSlice, and says <none> when there is neither', () => {
    const ep: Endpoints = {
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '10.244.0.9' }], ports: [{ name: 'http', port: 8080 }] }],
    };
    expect(describeService(svc, [], ep, undefined, now)).toMatch(/^Endpoints:\s+10\.244\.0\.9:8080$/m);
    expect(describeService(svc, [], undefined, undefined, now)).toMatch(/^Endpoints:\s+<none>$/m);
  });

  it('shows a NodePort and its port name', () => {
    const np: Service = { ...svc, spec: { ...svc.spec, type: 'NodePort', ports: [{ port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }] } };
    const text = describeService(np, [], undefined, undefined, now);
    expect(text).toMatch(/^Port:\s+<unset>  80\/TCP$/m);
    expect(text).toMatch(/^TargetPort:\s+http\/TCP$/m);
    expect(text).toMatch(/^NodePort:\s+<unset>  30080\/TCP$/m);
  });
});

describe('endpoint lists', () => {
  it('names three endpoints and counts the rest, treating an unknown readiness as ready', () => {
    const s = slice([['10.0.0.1', true], ['10.0.0.2', undefined], ['10.0.0.3', true], ['10.0.0.4', true], ['10.0.0.5', true]]);
    expect(formatEndpointSlices([s], new Set(['http']))).toBe('10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...');
  });

  it('keeps to the port asked for and brackets IPv6 addresses', () => {
    expect(formatEndpointSlices([slice([['fd00::1', true]], 'metrics')], new Set(['http']))).toBe('');
    expect(formatEndpointSlices([slice([['fd00::1', true]])], new Set(['http']))).toBe('[fd00::1]:8080');
    expect(formatEndpoints({ metadata: {}, subsets: [] }, undefined)).toBe('<none>');
  });
});

describe('describeEndpoints and describeEndpointSlice', () => {
  it('prints each subset with its ports table', () => {
    const ep: Endpoints = {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    };
    expect(describeEndpoints(ep, [], now)).toBe(
      [
        "Name:         web",
        "Namespace:    default",
        "Labels:       <none>",
        "Annotations:  <none>",
        "Subsets:",
        "  Addresses:          10.244.0.5",
        "  NotReadyAddresses:  <none>",
        "  Ports:",
        "    Name  Port  Protocol",
        "    ----  ----  --------",
        "    http  8080  TCP",
        "",
        "Events:  <none>",
        '',
      ].join('\n'),
    );
  });

  it('prints each endpoint of a slice with its conditions', () => {
    const text = describeEndpointSlice(
      {
        metadata: { name: 'web-abc', namespace: 'default' },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-1' } }],
      },
      undefined,
      now,
    );
    expect(text).toMatch(/^  - Addresses:\s+10\.244\.0\.5$/m);
    expect(text).toMatch(/^      Ready:\s+true$/m);
    expect(text).toMatch(/^    TargetRef:\s+Pod\/web-1$/m);
    expect(text).toMatch(/^    Zone:\s+<unset>$/m);
  });
});
