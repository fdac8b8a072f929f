import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultEndpoints, defaultService } from './defaults.js';
import { prepareServiceForUpdate } from './prepare.js';
import { Endpoints, Service } from './v1.js';
import { validateEndpoints, validateService } from './validation.js';

const show = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

function decodeService(spec: object, name = 'web'): Service {
  const svc = Service.parse({ metadata: { name, namespace: 'default' }, spec });
  defaultService(svc);
  return svc;
}
const errorsFor = (spec: object, name?: string) => show(validateService(decodeService(spec, name)));

describe('validateService', () => {
  it('accepts the common shapes once defaulted', () => {
    expect(errorsFor({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] })).toEqual([]);
    expect(errorsFor({ clusterIP: 'None', selector: { app: 'web' } })).toEqual([]);
    expect(errorsFor({ type: 'ExternalName', externalName: 'db.example.com.' })).toEqual([]);
    expect(errorsFor({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).toEqual([]);
  });

  it('names services with DNS-1035 labels', () => {
    expect(errorsFor({ ports: [{ port: 80 }] }, '1web')).toEqual([
      `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it('requires ports except for headless and ExternalName services', () => {
    expect(errorsFor({ selector: { app: 'web' } })).toEqual(['spec.ports: Required value']);
  });

  it('checks port range, protocol, names and duplicates', () => {
    // targetPort was defaulted from the port, so it is out of range too.
    expect(errorsFor({ ports: [{ port: 0 }] })).toEqual([
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
    expect(errorsFor({ ports: [{ port: 80, protocol: 'ICMP' }] })).toEqual([
      'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(errorsFor({ ports: [{ name: 'a', port: 80 }, { port: 81 }] })).toEqual(['spec.ports[1].name: Required value']);
    expect(errorsFor({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] })).toEqual([
      'spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}',
    ]);
  });

  it('accepts "None" or an IP as clusterIP', () => {
    expect(errorsFor({ clusterIP: 'ten', ports: [{ port: 80 }] })).toEqual([
      'spec.clusterIPs[0]: Invalid value: "ten": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    expect(errorsFor({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] })).toEqual([]);
  });

  it('checks the type', () => {
    expect(errorsFor({ type: 'Magic', ports: [{ port: 80 }] })).toEqual([
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
    expect(errorsFor({ type: 'ExternalName' })).toEqual(['spec.externalName: Required value']);
  });

  it('allows node ports only on NodePort and LoadBalancer services, within the range', () => {
    expect(errorsFor({ ports: [{ port: 80, nodePort: 30080 }] })).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    expect(errorsFor({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })).toEqual([
      'spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
    expect(errorsFor({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] })).toEqual([
      `spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`,
    ]);
  });

  it('checks session affinity', () => {
    expect(errorsFor({ sessionAffinity: 'Cookie', ports: [{ port: 80 }] })).toEqual([
      'spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"',
    ]);
    expect(errorsFor({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [{ port: 80 }] })).toEqual([
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400',
    ]);
  });

  it('keeps clusterIP on update, after the registry fills in what the client left out', () => {
    const old = decodeService({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    const changed = decodeService({ clusterIP: '10.96.0.11', ports: [{ port: 80 }] });
    expect(show(validateService(changed, old))).toEqual([
      'spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set',
    ]);
    const omitted = decodeService({ ports: [{ port: 80 }] });
    prepareServiceForUpdate(omitted, old);
    expect(show(validateService(omitted, old))).toEqual([]);
  });

  it('lets a service read back and switched to ExternalName drop its cluster IP', () => {
    const old = decodeService({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    const edited = structuredClone(old);
    edited.spec.type = 'ExternalName';
    edited.spec.externalName = 'db.example.com';
    const now = Service.parse(edited);
    defaultService(now);
    expect(show(validateService(now, old))).toEqual([
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilies: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services',
    ]);
    prepareServiceForUpdate(now, old);
    expect(show(validateService(now, old))).toEqual([]);
    expect(now.spec.clusterIP).toBeUndefined();
  });
});

describe('validateEndpoints', () => {
  const decode = (subsets: object[]) => {
    const ep = Endpoints.parse({ metadata: { name: 'web', namespace: 'default' }, subsets });
    defaultEndpoints(ep);
    return show(validateEndpoints(ep));
  };

  it('accepts addresses with named ports', () => {
    expect(decode([{ addresses: [{ ip: '172.17.0.2', nodeName: 'n1' }], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }])).toEqual([]);
  });

  it('requires addresses, valid IPs and named ports when there are several', () => {
    expect(decode([{ ports: [{ port: 80 }] }])).toEqual(['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
    expect(decode([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }, { name: 'b', port: 81 }] }])).toEqual([
      'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].ports[0].name: Required value',
    ]);
  });
});
