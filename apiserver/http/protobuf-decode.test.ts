import { describe, expect, it } from 'vitest';
import { StatusError } from '../../src/api/status.js';
import { checkSchema, decodeProtobufObject } from './protobuf-decode.js';

// Request bodies kubectl 1.32 sent (captured with -v=9).
const KUBECTL = {
  // kubectl create namespace demo
  namespace:
    '6b3873000a0f0a02763112094e616d657370616365121c0a140a0464656d6f12001a0022002a00320038004200120' +
    '01a020a001a002200',
  // kubectl create deployment web2 --image=nginx:1.9.1 --replicas=0 --port=8080
  deployment:
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c3010a210a047765623212001a0022002a00320038' +
    '0042005a0b0a03617070120477656232128f010800120d0a0b0a036170701204776562321a740a1d0a0012001a0022002a' +
    '003200380042005a0b0a03617070120477656232125312350a056e67696e78120b6e67696e783a312e392e312a00320b0a' +
    '00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01' +
    '009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  // kubectl create secret generic s9 --from-literal=a=b
  secret:
    '6b3873000a0c0a0276311206536563726574121e0a120a02733912001a0022002a0032003800420012060a01611201621a' +
    '001a002200',
  // kubectl create service nodeport np9 --tcp=81:8081
  service:
    '6b3873000a0d0a02763112075365727669636512680a1f0a036e703912001a0022002a003200380042005a0a0a03617070' +
    '12036e703912410a1b0a0738312d38303831120354435018512207080010913f1a002800120a0a0361707012036e70391a' +
    '0022084e6f6465506f72743a00420052005a00600068001a020a001a002200',
  // kubectl drain --disable-eviction: the DeleteOptions of a pod delete
  deleteOptions: '6b3873000a130a027631120d44656c6574654f7074696f6e7312001a002200',
};

const hex = (s: string) => Buffer.from(s, 'hex');

// A small protobuf writer for bodies kubectl does not send.
function varint(n: bigint): number[] {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const int = (field: number, n: number) => [...varint(BigInt(field * 8)), ...varint(BigInt(n))];
const bytes = (field: number, b: number[]) => [...varint(BigInt(field * 8 + 2)), ...varint(BigInt(b.length)), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  Buffer.from([0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...str(1, apiVersion), ...str(2, kind)]), ...bytes(2, raw)]);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a StatusError');
}

describe('the protobuf schema', () => {
  it('parses and refers only to messages it defines', () => {
    expect(() => checkSchema()).not.toThrow();
  });
});

describe('decoding what kubectl sends', () => {
  it('reads a namespace as the JSON kubectl would have sent', () => {
    expect(decodeProtobufObject(hex(KUBECTL.namespace))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo', creationTimestamp: null },
      spec: {},
    });
  });

  it('keeps a pointer field set to zero and drops plain zero values', () => {
    const d = decodeProtobufObject(hex(KUBECTL.deployment)) as {
      metadata: Record<string, unknown>;
      spec: { replicas: number; template: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } } } & Record<string, unknown>;
      status?: unknown;
    };
    expect(d.metadata).toEqual({ name: 'web2', creationTimestamp: null, labels: { app: 'web2' } });
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web2' } });
    expect(d.spec.strategy).toEqual({});
    expect(d.spec.template.metadata).toEqual({ creationTimestamp: null, labels: { app: 'web2' } });
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:1.9.1', ports: [{ containerPort: 8080 }], resources: {} },
    ]);
    expect(d.status).toBeUndefined();
  });

  it('reads secret data as base64, as JSON carries bytes', () => {
    expect(decodeProtobufObject(hex(KUBECTL.secret))).toMatchObject({ kind: 'Secret', data: { a: 'Yg==' } });
  });

  it('reads a service port with an integer targetPort', () => {
    expect(decodeProtobufObject(hex(KUBECTL.service))).toMatchObject({
      spec: { type: 'NodePort', selector: { app: 'np9' }, ports: [{ name: '81-8081', protocol: 'TCP', port: 81, targetPort: 8081 }] },
    });
  });

  it('reads the DeleteOptions of a delete', () => {
    expect(decodeProtobufObject(hex(KUBECTL.deleteOptions))).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
  });
});

describe('decoding the rest of the format', () => {
  it('reads negative integers, packed repeated integers, times, quantities and string ports', () => {
    const container = [
      ...str(1, 'c'),
      ...bytes(8, bytes(1, [...str(1, 'cpu'), ...bytes(2, str(1, '500m'))])),
      ...bytes(10, [...bytes(1, bytes(2, [...str(1, '/healthz'), ...bytes(2, [...int(1, 1), ...str(3, 'http')])])), ...int(2, 0)]),
    ];
    const podSpec = [
      ...bytes(2, container),
      ...int(4, 0),
      ...int(25, -5),
      ...bytes(14, bytes(4, [...varint(10n), ...varint(20n)])),
    ];
    const pod = decodeProtobufObject(
      envelope('v1', 'Pod', [...bytes(1, [...str(1, 'p'), ...bytes(9, [...int(1, 1700000000)])]), ...bytes(2, podSpec)]),
    );
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', deletionTimestamp: '2023-11-14T22:13:20Z' },
      spec: {
        containers: [{ name: 'c', resources: { limits: { cpu: '500m' } }, livenessProbe: { httpGet: { path: '/healthz', port: 'http' } } }],
        terminationGracePeriodSeconds: 0,
        priority: -5,
        securityContext: { supplementalGroups: [10, 20] },
      },
    });
  });

  it('reads an autoscaling/v1 HorizontalPodAutoscaler', () => {
    const spec = [...bytes(1, [...str(1, 'Deployment'), ...str(2, 'web'), ...str(3, 'apps/v1')]), ...int(2, 10), ...int(3, 15), ...int(4, 80)];
    expect(decodeProtobufObject(envelope('autoscaling/v1', 'HorizontalPodAutoscaler', [...bytes(1, str(1, 'web')), ...bytes(2, spec)]))).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 10, maxReplicas: 15, targetCPUUtilizationPercentage: 80 },
    });
  });
});

describe('refusing what cannot be read completely', () => {
  it('answers 400 naming a field this server does not know', () => {
    const err = statusOf(() => decodeProtobufObject(envelope('v1', 'ConfigMap', [...bytes(1, str(1, 'c')), ...str(99, 'x')])));
    expect(err.code).toBe(400);
    expect(err.message).toContain('field 99 of ConfigMap');
  });

  it('answers 400 for a field deep inside an object', () => {
    const err = statusOf(() => decodeProtobufObject(envelope('v1', 'Pod', bytes(2, bytes(2, [...str(1, 'c'), ...int(77, 1)])))));
    expect(err.code).toBe(400);
    expect(err.message).toContain('field 77 of Container at spec.containers[0]');
  });

  it('answers 415 for a field it takes only as JSON', () => {
    const err = statusOf(() => decodeProtobufObject(envelope('v1', 'Pod', bytes(2, bytes(34, str(1, 'debug'))))));
    expect(err.code).toBe(415);
    expect(err.message).toContain('spec.ephemeralContainers');
  });

  it('answers 415 for a kind it cannot read', () => {
    const err = statusOf(() => decodeProtobufObject(envelope('v1', 'ResourceQuota', [])));
    expect(err.code).toBe(415);
    expect(err.message).toContain('ResourceQuota in version "v1"');
  });

  it('answers 400 for a body without the prefix or cut short', () => {
    expect(statusOf(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}'))).code).toBe(400);
    const whole = hex(KUBECTL.namespace);
    const cut = statusOf(() => decodeProtobufObject(whole.subarray(0, whole.length - 10)));
    expect(cut.code).toBe(400);
    expect(cut.message).toContain('malformed');
  });

  it('answers 400 for a field of the wrong wire type', () => {
    const err = statusOf(() => decodeProtobufObject(envelope('v1', 'ConfigMap', int(1, 5))));
    expect(err.code).toBe(400);
  });
});
