import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointInfo } from '../endpoints.js';
import { ProxyMetrics } from '../metrics.js';
import { servicePortKey, type ServicePortInfo } from '../service-ports.js';
import type { ServiceState } from '../sources.js';
import { freePort, tcpBackend, tcpRequest, udpBackend, udpRequest, type TcpBackend } from '../testing/loopback-backends.js';
import { UserspaceProxier } from './proxier.js';

const log = pino({ level: 'silent' });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function proxier(opts: { clusterIPs?: boolean; nodeIP?: string } = {}): { p: UserspaceProxier; metrics: ProxyMetrics } {
  const metrics = new ProxyMetrics();
  const p = new UserspaceProxier({ nodeIP: opts.nodeIP ?? '127.0.0.1', clusterIPs: opts.clusterIPs ?? true, metrics, log, connectTimeoutMs: 500, udpIdleTimeoutMs: 300 });
  cleanups.push(() => p.stop());
  return { p, metrics };
}

function sp(port: number, over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    name: 'default/web',
    namespace: 'default',
    service: 'web',
    portName: '',
    protocol: 'TCP',
    clusterIP: '127.0.0.1',
    port,
    nodePort: undefined,
    affinitySeconds: undefined,
    policy: 'round-robin',
    ...over,
  };
}

const ep = (port: number, ready = true): EndpointInfo => ({ ip: '127.0.0.1', port, ready, serving: ready, terminating: false });

function state(ports: ServicePortInfo[], eps: EndpointInfo[][]): ServiceState {
  return { ports, endpoints: new Map(ports.map((p, i) => [servicePortKey(p), eps[i] ?? []])) };
}

async function backends(n: number): Promise<TcpBackend[]> {
  const bs = await Promise.all(Array.from({ length: n }, (_, i) => tcpBackend(`b${i}`)));
  for (const b of bs) cleanups.push(() => b.close());
  return bs;
}

describe('userspace proxier, TCP', () => {
  it('spreads connections to the cluster IP over the ready endpoints, round-robin', async () => {
    const bs = await backends(3);
    const port = await freePort();
    const { p, metrics } = proxier();
    await p.sync(state([sp(port)], [[...bs.map((b) => ep(b.port)), ep(await freePort(), false)]]));
    const answers = [];
    for (let i = 0; i < 9; i++) answers.push((await tcpRequest('127.0.0.1', port)).trim());
    expect(answers.slice(0, 3).sort()).toEqual(['b0', 'b1', 'b2']);
    for (const b of ['b0', 'b1', 'b2']) expect(answers.filter((a) => a === b)).toHaveLength(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('skiff_proxy_connections_total{service="default/web",protocol="TCP"} 9');
    expect(text).toMatch(/skiff_proxy_bytes_total\{service="default\/web",protocol="TCP",direction="out"\} 27/);
  });

  it('refuses at once while a service port has no ready endpoint, and serves as soon as one is ready', async () => {
    const [b] = await backends(1);
    const port = await freePort();
    const { p } = proxier();
    await p.sync(state([sp(port)], [[ep(b!.port, false)]]));
    await expect(tcpRequest('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(p.listeners()).toEqual([]);
    await p.sync(state([sp(port)], [[ep(b!.port)]]));
    expect((await tcpRequest('127.0.0.1', port)).trim()).toBe('b0');
    await p.sync(state([], []));
    await expect(tcpRequest('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('retries the client connection on another backend when one refuses, and cools that one down', async () => {
    const [good] = await backends(1);
    const dead = await freePort();
    const port = await freePort();
    const { p, metrics } = proxier();
    await p.sync(state([sp(port)], [[ep(good!.port), ep(dead)]]));
    for (let i = 0; i < 6; i++) expect((await tcpRequest('127.0.0.1', port)).trim()).toBe('b0');
    const deadBackend = p.balancer('default/web')!.list().find((b) => b.port === dead)!;
    expect(deadBackend.cooldownUntil).toBeGreaterThan(Date.now());
    // tried once, then skipped while cooling down
    expect(await metrics.registry.getSingleMetricAsString('skiff_proxy_backend_errors_total')).toContain(`backend="127.0.0.1:${dead}",reason="ECONNREFUSED"} 1`);
  });

  it('resets the client when every backend refuses', async () => {
    const port = await freePort();
    const { p, metrics } = proxier();
    await p.sync(state([sp(port)], [[ep(await freePort()), ep(await freePort())]]));
    await expect(tcpRequest('127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await metrics.registry.getSingleMetricAsString('skiff_proxy_refused_connections_total')).toContain('} 1');
  });

  it('relays large transfers both ways intact, with half-close passed along', async () => {
    const echo = await tcpBackend('echo', { echo: true });
    cleanups.push(() => echo.close());
    const port = await freePort();
    const { p } = proxier();
    await p.sync(state([sp(port)], [[ep(echo.port)]]));
    const payload = Buffer.alloc(8 * 1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');
    const got = await new Promise<Buffer>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('error', reject);
      s.on('end', () => {
        s.end();
        resolve(Buffer.concat(chunks));
      });
      s.on('connect', () => s.end(payload));
    });
    expect(got.length).toBe(payload.length);
    expect(got.equals(payload)).toBe(true);
  });

  it('serves node ports on the node IP, and no cluster IP when told not to', async () => {
    const [b] = await backends(1);
    const nodePort = await freePort();
    const clusterPort = await freePort();
    const { p } = proxier({ clusterIPs: false, nodeIP: '127.0.0.1' });
    await p.sync(state([sp(clusterPort, { nodePort })], [[ep(b!.port)]]));
    expect(p.listeners().map((l) => l.address)).toEqual([`127.0.0.1:${nodePort}`]);
    expect((await tcpRequest('127.0.0.1', nodePort)).trim()).toBe('b0');
    await expect(tcpRequest('127.0.0.1', clusterPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('keeps a client on one backend with ClientIP affinity', async () => {
    const bs = await backends(3);
    const port = await freePort();
    const { p } = proxier();
    await p.sync(state([sp(port, { affinitySeconds: 60 })], [bs.map((b) => ep(b.port))]));
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add((await tcpRequest('127.0.0.1', port)).trim());
    expect(answers.size).toBe(1);
  });
});

describe('userspace proxier, UDP', () => {
  it('relays datagrams with a session per client, and answers from the service address', async () => {
    const [a, b] = await Promise.all([udpBackend('u0'), udpBackend('u1')]);
    cleanups.push(() => a.close(), () => b.close());
    const port = await freePort();
    const { p } = proxier();
    await p.sync(state([sp(port, { protocol: 'UDP', name: 'default/dns' })], [[ep(a.port), ep(b.port)]]));
    const c1 = createSocket('udp4');
    const c2 = createSocket('udp4');
    cleanups.push(() => c1.close(), () => c2.close());
    const r1 = await udpRequest('127.0.0.1', port, 'hello', 2000, c1);
    const r1again = await udpRequest('127.0.0.1', port, 'again', 2000, c1);
    const r2 = await udpRequest('127.0.0.1', port, 'hi', 2000, c2);
    expect(r1.split(':')[1]).toBe('hello');
    // one client stays with its backend for the session; the next client goes to the other
    expect(r1again.split(':')[0]).toBe(r1.split(':')[0]);
    expect(r2.split(':')[0]).not.toBe(r1.split(':')[0]);
  });

  it('sends the datagram again to another backend when one answers port unreachable', async () => {
    const good = await udpBackend('alive');
    cleanups.push(() => good.close());
    const dead = await freePort();
    const port = await freePort();
    const { p } = proxier();
    await p.sync(state([sp(port, { protocol: 'UDP', name: 'default/dns' })], [[ep(dead), ep(good.port)]]));
    for (let i = 0; i < 3; i++) {
      const s = createSocket('udp4');
      cleanups.push(() => s.close());
      expect(await udpRequest('127.0.0.1', port, `q${i}`, 2000, s)).toBe(`alive:q${i}`);
    }
  });
});
