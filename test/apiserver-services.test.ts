// Service cluster IPs and node ports, allocated by the real apiserver on real
// etcd: unique under concurrency, requested values honoured or refused with
// 422, given back on delete and on type changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusError } from '../src/api/status.js';
import type { KubeObject } from '../src/api/meta.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';

let s: TestApiServer;
const SERVICES = { group: '', version: 'v1', plural: 'services', namespaced: true };
type Spec = { clusterIP?: string; clusterIPs?: string[]; type?: string; ports?: { port: number; nodePort?: number }[]; ipFamilies?: string[] };
const specOf = (o: KubeObject) => o.spec as Spec;

beforeAll(async () => {
  s = await startApiServer();
});
afterAll(async () => {
  await s?.stop();
});

const svc = (name: string, spec: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec } }) as KubeObject;

async function rejected(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    return err as StatusError;
  }
  throw new Error('expected a rejection');
}

describe('service allocation', () => {
  const services = () => s.client.resource(SERVICES);

  it('gives the kubernetes service the first address of the range', async () => {
    const k = await services().get('default', 'kubernetes');
    expect(specOf(k).clusterIP).toBe('10.96.0.1');
    expect(specOf(k).ports?.[0]?.port).toBe(443);
  });

  it('gives every service its own address in the range, however concurrent the creates', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => services().create('default', svc(`many-${i}`))));
    const ips = created.map((c) => specOf(c).clusterIP!);
    expect(new Set(ips).size).toBe(20);
    for (const c of created) {
      expect(specOf(c).clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
      expect(specOf(c).clusterIPs).toEqual([specOf(c).clusterIP]);
      expect(specOf(c).ipFamilies).toEqual(['IPv4']);
    }
  });

  it('honours a requested address once, refuses it while taken or out of range, and frees it on delete', async () => {
    const a = await services().create('default', svc('wants-ip', { clusterIP: '10.96.0.77' }));
    expect(specOf(a).clusterIP).toBe('10.96.0.77');
    const taken = await rejected(services().create('default', svc('wants-ip-too', { clusterIP: '10.96.0.77' })));
    expect(taken.code).toBe(422);
    expect(taken.details?.causes?.[0]).toMatchObject({ field: 'spec.clusterIPs[0]', message: 'Invalid value: "10.96.0.77": provided IP is already allocated' });
    const outside = await rejected(services().create('default', svc('outside', { clusterIP: '192.168.0.10' })));
    expect(outside.code).toBe(422);
    expect(outside.message).toContain('provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    await expect(services().get('default', 'outside')).rejects.toMatchObject({ code: 404 });

    await services().delete('default', 'wants-ip');
    const again = await services().create('default', svc('wants-ip-too', { clusterIP: '10.96.0.77' }));
    expect(specOf(again).clusterIP).toBe('10.96.0.77');
  });

  it('leaves headless and ExternalName services without an address', async () => {
    const headless = await services().create('default', svc('headless', { clusterIP: 'None' }));
    expect(specOf(headless).clusterIP).toBe('None');
    const ext = await services().create('default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext' },
      spec: { type: 'ExternalName', externalName: 'example.internal' },
    } as KubeObject);
    expect(specOf(ext).clusterIP).toBeUndefined();
  });

  it('allocates node ports in range, honours requested ones, and refuses taken or out-of-range ones', async () => {
    const np = await services().create('default', svc('np', { type: 'NodePort', ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] }));
    const ports = specOf(np).ports!.map((p) => p.nodePort!);
    expect(ports.every((p) => p >= 30000 && p <= 32767)).toBe(true);
    expect(new Set(ports).size).toBe(2);

    const fixed = await services().create('default', svc('np-fixed', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(specOf(fixed).ports![0]!.nodePort).toBe(30080);
    const taken = await rejected(services().create('default', svc('np-taken', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })));
    expect(taken.code).toBe(422);
    expect(taken.message).toContain('spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const outside = await rejected(services().create('default', svc('np-out', { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] })));
    expect(outside.code).toBe(422);
  });

  it('takes a node port when a service becomes NodePort and gives it back when it stops being one', async () => {
    await services().create('default', svc('switch'));
    const asNodePort = await services().patch('default', 'switch', { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30555 }] } }, 'merge');
    expect(specOf(asNodePort).ports![0]!.nodePort).toBe(30555);
    const taken = await rejected(services().create('default', svc('switch-2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30555 }] })));
    expect(taken.code).toBe(422);

    await services().patch('default', 'switch', { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }, 'merge');
    const reused = await services().create('default', svc('switch-2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30555 }] }));
    expect(specOf(reused).ports![0]!.nodePort).toBe(30555);
  });
});
