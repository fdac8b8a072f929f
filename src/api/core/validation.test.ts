import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultNamespace, defaultNode, defaultSecret } from './defaults.js';
import { prepareNamespaceForCreate } from './prepare.js';
import { ConfigMap, Event, Namespace, Node, Secret, ServiceAccount } from './v1.js';
import {
  validateConfigMap,
  validateEvent,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNode,
  validateSecret,
  validateServiceAccount,
} from './validation.js';

const show = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

describe('validateNamespace', () => {
  const decode = (body: object) => {
    const ns = Namespace.parse(body);
    defaultNamespace(ns);
    prepareNamespaceForCreate(ns);
    return ns;
  };

  it('accepts a plain namespace and requires a DNS label name', () => {
    expect(validateNamespace(decode({ metadata: { name: 'team-a' } }))).toEqual([]);
    expect(show(validateNamespace(decode({ metadata: { name: 'team.a' } })))).toEqual([
      'metadata.name: Invalid value: "team.a": must not contain dots',
    ]);
  });

  it('requires finalizers to be standard or fully qualified', () => {
    expect(show(validateNamespace(decode({ metadata: { name: 'a' }, spec: { finalizers: ['mine'] } })))).toEqual([
      'spec.finalizers: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('keeps the phase Active until deletion starts', () => {
    const old = decode({ metadata: { name: 'a' } });
    const now = structuredClone(old);
    now.status = { phase: 'Terminating' };
    expect(show(validateNamespaceStatusUpdate(now, old))).toEqual([
      'status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty',
    ]);
  });
});

describe('validateNode', () => {
  const decode = (body: object) => {
    const n = Node.parse(body);
    defaultNode(n);
    return n;
  };

  it('checks taints on the path Kubernetes reports them', () => {
    const n = decode({
      metadata: { name: 'n1' },
      spec: {
        taints: [
          { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
          { key: 'dedicated', value: 'other', effect: 'NoSchedule' },
          { key: 'x', effect: 'Sometimes' },
        ],
      },
    });
    expect(show(validateNode(n))).toEqual([
      'metadata.taints[1]: Duplicate value: {"key":"dedicated","value":"other","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      'metadata.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });

  it('checks capacity quantities and pod CIDRs', () => {
    const n = decode({ metadata: { name: 'n1' }, spec: { podCIDRs: ['10.244.0.0/33'] }, status: { capacity: { cpu: '-1' } } });
    expect(show(validateNode(n))).toEqual([
      'status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0',
      'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0',
      'spec.podCIDRs[0]: Invalid value: "10.244.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });

  it('lets a node get a pod CIDR once but not change it', () => {
    const old = decode({ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24' } });
    const now = decode({ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' } });
    expect(show(validateNode(now, old))).toEqual(['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });
});

describe('validateConfigMap and validateSecret', () => {
  it('checks data keys', () => {
    const cm = ConfigMap.parse({ metadata: { name: 'c', namespace: 'd' }, data: { 'bad key': 'v', ok: 'v' }, binaryData: { ok: 'AA==' } });
    expect(show(validateConfigMap(cm))).toEqual([
      `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      'data[ok]: Invalid value: "ok": duplicate of key present in binaryData',
    ]);
  });

  it('keeps immutable configmaps immutable', () => {
    const old = ConfigMap.parse({ metadata: { name: 'c', namespace: 'd' }, data: { a: '1' }, immutable: true });
    const now = ConfigMap.parse({ metadata: { name: 'c', namespace: 'd' }, data: { a: '2' }, immutable: true });
    expect(show(validateConfigMap(now, old))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
  });

  const decodeSecret = (body: object) => {
    const s = Secret.parse({ metadata: { name: 's', namespace: 'd' }, ...body });
    defaultSecret(s);
    return s;
  };

  it('requires base64 data', () => {
    expect(show(validateSecret(decodeSecret({ data: { a: 'aGVsbG8=', b: 'not base64!' } })))).toEqual([
      'data[b]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
    ]);
  });

  it('limits secrets to 1 MiB of decoded data', () => {
    const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    expect(show(validateSecret(decodeSecret({ data: { big } })))).toEqual(['data: Too long: may not be more than 1048576 bytes']);
    expect(validateSecret(decodeSecret({ data: { big: Buffer.alloc(1024 * 1024).toString('base64') } }))).toEqual([]);
  });

  it('requires the keys of typed secrets and keeps the type immutable', () => {
    expect(show(validateSecret(decodeSecret({ type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } })))).toEqual([
      'data[tls.key]: Required value',
    ]);
    const old = decodeSecret({ data: {} });
    const now = decodeSecret({ type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } });
    expect(show(validateSecret(now, old))).toEqual(['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  });
});

describe('validateEvent and validateServiceAccount', () => {
  it('requires the involved object to be in the event namespace', () => {
    const ev = Event.parse({
      metadata: { name: 'web.17', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' },
      reason: 'Started',
    });
    expect(show(validateEvent(ev))).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });

  it('requires reporting fields on events with an eventTime', () => {
    const ev = Event.parse({
      metadata: { name: 'web.18', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      reason: 'Started',
      action: 'Start',
      reportingComponent: 'kubelet',
    });
    expect(show(validateEvent(ev))).toEqual(['reportingInstance: Required value']);
  });

  it('names service accounts with DNS subdomains', () => {
    expect(validateServiceAccount(ServiceAccount.parse({ metadata: { name: 'builder', namespace: 'default' } }))).toEqual([]);
    expect(show(validateServiceAccount(ServiceAccount.parse({ metadata: { name: 'Builder', namespace: 'default' } })))[0]).toMatch(
      /^metadata\.name: Invalid value: "Builder": a lowercase RFC 1123 subdomain/,
    );
  });
});
