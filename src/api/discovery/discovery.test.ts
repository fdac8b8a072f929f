import { describe, expect, it } from 'vitest';
import { findUnknownFields } from '../decode.js';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultEndpointSlice } from './defaults.js';
import { EndpointSlice } from './v1.js';
import { validateEndpointSlice } from './validation.js';

const messages = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

function slice(body: Record<string, unknown>) {
  const s = EndpointSlice.parse({ metadata: { name: 'web-abc12', namespace: 'default' }, addressType: 'IPv4', ...body });
  defaultEndpointSlice(s);
  return s;
}

const endpoint = (addresses: string[], extra: Record<string, unknown> = {}) => ({
  addresses,
  conditions: { ready: true, serving: true, terminating: false },
  ...extra,
});

describe('EndpointSlice', () => {
  it('defaults port names to "" and protocols to TCP', () => {
    const s = slice({ ports: [{ port: 80 }, { name: 'dns', protocol: 'UDP', port: 53 }] });
    expect(s.ports).toEqual([
      { name: '', protocol: 'TCP', port: 80 },
      { name: 'dns', protocol: 'UDP', port: 53 },
    ]);
  });

  it('keeps the endpoint fields Kubernetes has and accepts a valid slice', () => {
    const ep = endpoint(['10.1.2.3'], {
      hostname: 'web-0',
      nodeName: 'node-1',
      zone: 'z1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u1' },
      hints: { forZones: [{ name: 'z1' }] },
    });
    const s = slice({ endpoints: [ep], ports: [{ name: 'http', port: 80, appProtocol: 'http' }] });
    expect(s.endpoints).toEqual([ep]);
    expect(validateEndpointSlice(s)).toEqual([]);
  });

  it('requires a supported address type', () => {
    expect(messages(validateEndpointSlice(slice({ addressType: '' })))).toEqual(['addressType: Required value']);
    expect(messages(validateEndpointSlice(slice({ addressType: 'IPv5' })))).toEqual([
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
  });

  it('checks addresses against the address type', () => {
    const s = slice({ endpoints: [endpoint([]), endpoint(['10.0.0.1', 'fe80::1', '300.1.1.1'])] });
    expect(messages(validateEndpointSlice(s))).toEqual([
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[1]: Invalid value: "fe80::1": must be a valid IPv4 address',
      'endpoints[1].addresses[1]: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'endpoints[1].addresses[2]: Invalid value: "300.1.1.1": must be a valid IPv4 address',
      'endpoints[1].addresses[2]: Invalid value: "300.1.1.1": must be a valid IP address',
    ]);
    expect(messages(validateEndpointSlice(slice({ addressType: 'IPv6', endpoints: [endpoint(['::1', 'fd00::5'])] })))).toEqual([
      'endpoints[0].addresses[0]: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]);
  });

  it('rejects unspecified, loopback and link-local endpoint addresses', () => {
    const s = slice({ endpoints: [endpoint(['0.0.0.0', '127.0.0.1', '169.254.1.1', '224.0.0.5'])] });
    expect(messages(validateEndpointSlice(s))).toEqual([
      'endpoints[0].addresses[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
      'endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'endpoints[0].addresses[2]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      'endpoints[0].addresses[3]: Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
    ]);
  });

  it('checks FQDN addresses', () => {
    const s = slice({ addressType: 'FQDN', endpoints: [endpoint(['db.example.com', 'localhost', 'Bad_Host.example.com'])] });
    expect(validateEndpointSlice(s).map((e) => `${e.field}: ${e.detail}`)).toEqual([
      'endpoints[0].addresses[1]: should be a domain with at least two segments separated by dots',
      expect.stringMatching(/^endpoints\[0\]\.addresses\[2\]: a lowercase RFC 1123 subdomain/),
    ]);
  });

  it('checks hostnames, node names and zone hints', () => {
    const s = slice({
      endpoints: [endpoint(['10.0.0.1'], { hostname: 'web.0', nodeName: 'Node_1', hints: { forZones: [{ name: 'z1' }, { name: 'z1' }] } })],
    });
    expect(validateEndpointSlice(s).map((e) => e.field)).toEqual([
      'endpoints[0].nodeName',
      'endpoints[0].hostname',
      'endpoints[0].hints.forZones[1].name',
    ]);
  });

  it('checks port names, protocols and app protocols', () => {
    const s = slice({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }, { name: 'Web', protocol: 'ICMP', port: 1, appProtocol: 'a b' }] });
    expect(validateEndpointSlice(s).map((e) => `${e.field}: ${e.type}`)).toEqual([
      'ports[1].name: FieldValueDuplicate',
      'ports[2].name: FieldValueInvalid',
      'ports[2].protocol: FieldValueNotSupported',
      'ports[2].appProtocol: FieldValueInvalid',
    ]);
  });

  it('keeps the address type immutable', () => {
    const old = slice({});
    expect(validateEndpointSlice(slice({ endpoints: [endpoint(['10.0.0.9'])] }), old)).toEqual([]);
    expect(messages(validateEndpointSlice(slice({ addressType: 'IPv6' }), old))).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });
});

describe('an EndpointSlice as Kubernetes serves it', () => {
  it('keeps every field, and the null endpoints of an empty slice', () => {
    const served = {
      addressType: 'IPv4',
      apiVersion: 'discovery.k8s.io/v1',
      endpoints: [
        {
          addresses: ['10.244.1.5'],
          conditions: { ready: true, serving: true, terminating: false },
          hints: { forZones: [{ name: 'zone-a' }], forNodes: [{ name: 'node-1' }] },
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default', uid: 'u1' },
          zone: 'zone-a',
        },
      ],
      kind: 'EndpointSlice',
      metadata: {
        generateName: 'web-',
        labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'web' },
        name: 'web-x7k2p',
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'Service', name: 'web', uid: 's1' }],
      },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }],
    };
    expect(findUnknownFields(EndpointSlice, served)).toEqual([]);
    expect(EndpointSlice.parse(served)).toEqual(served);
    const empty = { addressType: 'IPv4', endpoints: null, metadata: { name: 'web-empty', namespace: 'default' }, ports: null };
    expect(EndpointSlice.parse(empty)).toEqual(empty);
  });
});
