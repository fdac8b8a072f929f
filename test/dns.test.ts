// skiff dns against a real apiserver: queries with dns-packet over UDP and TCP
// on loopback, and (as root) from inside a container through 10.96.0.10, with
// the userspace proxy serving the cluster IP the name resolves to.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDns, type RunningDns } from '../proxy/dns/main.js';
import { cleanupProxy, startProxy, type RunningProxy } from '../proxy/main.js';
import {
  createService,
  dockerRunOnce,
  eventually,
  putSlice,
  removeEchoContainers,
  startEchoContainers,
  type EchoContainer,
} from '../proxy/testing/echo-containers.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { until } from './harness/until.js';
import { ensureTestImages, requireDocker } from './harness/docker.js';

const isRoot = process.getuid?.() === 0;
const log = pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' });
const SERVICE_CIDR = '10.96.0.0/12';
let s: TestApiServer;
let dns: RunningDns;
let port = 0;
let webIP = '';

type Decoded = dnsPacket.DecodedPacket & { rcode: string };

function query(name: string, type: dnsPacket.RecordType): Buffer {
  return dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65535), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
}

function askUdp(name: string, type: dnsPacket.RecordType, host = '127.0.0.1', p = port): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no answer'));
    }, 2000);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg) as Decoded);
    });
    sock.send(query(name, type), p, host);
  });
}

function askTcp(names: [string, dnsPacket.RecordType][]): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const out: Decoded[] = [];
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Decoded);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === names.length) {
        c.end();
        resolve(out);
      }
    });
    c.on('error', reject);
    // several queries on one connection, written at once
    c.write(Buffer.concat(names.map(([n, t]) => dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type: t, name: n }] }))));
  });
}

const data = (r: dnsPacket.DecodedPacket) => (r.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

beforeAll(async () => {
  s = await startApiServer();
  const web = await createService(s.client, { name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  webIP = web.spec.clusterIP;
  await createService(s.client, { name: 'db', clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] });
  await putSlice(
    s.client,
    'db',
    [
      { ip: '172.17.200.1', hostname: 'db-0' },
      { ip: '172.17.200.2', hostname: 'db-1' },
      { ip: '172.17.200.3', hostname: 'db-2', ready: false },
    ],
    [{ name: 'pg', port: 5432 }],
  );
  dns = await startDns({ client: s.client, listen: [{ host: '127.0.0.1', port: 0 }], clusterDomain: 'cluster.local', serviceCIDR: SERVICE_CIDR, healthzPort: 0, log });
  port = dns.addresses[0]!.port;
  // The informers sync from the watch cache's list (resourceVersion 0), which may predate the writes above
  // by a moment, as in Kubernetes; the rest arrives by watch.
  await until('the DNS server knowing both services', async () =>
    (await askUdp('web.default.svc.cluster.local', 'A')).rcode === 'NOERROR' && data(await askUdp('db.default.svc.cluster.local', 'A')).length === 2
      ? true
      : undefined,
  );
}, 60_000);

afterAll(async () => {
  await dns?.stop();
  await s?.stop();
});

describe('skiff dns', () => {
  it('answers a service name with its cluster IP over UDP', async () => {
    const r = await askUdp('web.default.svc.cluster.local', 'A');
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(data(r)).toEqual([webIP]);
  });

  it('answers a headless service with its ready pods, and each pod by hostname', async () => {
    expect((data(await askUdp('db.default.svc.cluster.local', 'A')) as string[]).sort()).toEqual(['172.17.200.1', '172.17.200.2']);
    expect(data(await askUdp('db-1.db.default.svc.cluster.local', 'A'))).toEqual(['172.17.200.2']);
  });

  it('answers SRV, A and NXDOMAIN over one TCP connection', async () => {
    const [srv, a, nx] = await askTcp([
      ['_http._tcp.web.default.svc.cluster.local', 'SRV'],
      ['web.default.svc.cluster.local', 'A'],
      ['nope.default.svc.cluster.local', 'A'],
    ]);
    expect(srv!.answers).toEqual([expect.objectContaining({ type: 'SRV', data: expect.objectContaining({ port: 80, target: 'web.default.svc.cluster.local' }) })]);
    expect(data(a!)).toEqual([webIP]);
    expect(nx!.rcode).toBe('NXDOMAIN');
  });

  it('follows services as they come and go', async () => {
    expect((await askUdp('late.default.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    const late = await createService(s.client, { name: 'late' });
    await eventually(async () => expect(data(await askUdp('late.default.svc.cluster.local', 'A'))).toEqual([late.spec.clusterIP]), 5000);
    await s.client.resource({ group: '', version: 'v1', plural: 'services', namespaced: true }).delete('default', 'late');
    await eventually(async () => expect((await askUdp('late.default.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN'), 5000);
  });

  it('refuses names outside the cluster zone (nothing is forwarded off the machine)', async () => {
    const r = await askUdp('example.org', 'A');
    expect(r.rcode).toBe('REFUSED');
    expect(r.answers).toEqual([]);
  });
});

describe.skipIf(!isRoot)('skiff dns from a container, on 10.96.0.10', () => {
  const label = `dns-${process.pid}`;
  const node = `dns-test-${process.pid}`;
  let onServiceIP: RunningDns | undefined;
  let proxy: RunningProxy | undefined;
  let pods: EchoContainer[] = [];

  beforeAll(async () => {
    await requireDocker();
    await ensureTestImages();
    try {
      onServiceIP = await startDns({ client: s.client, listen: [{ host: '10.96.0.10', port: 53 }], clusterDomain: 'cluster.local', serviceCIDR: SERVICE_CIDR, healthzPort: 0, log });
    } catch (err) {
      // a local cluster's own DNS already answers there (skiff up): these checks need the address
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      return;
    }
    pods = await startEchoContainers(['web-0', 'web-1'], label);
    await putSlice(s.client, 'web', pods.map((p) => ({ ip: p.ip, pod: p.name })));
    proxy = await startProxy({ client: s.client, nodeName: node, nodeIP: '127.0.1.1', mode: 'userspace', serviceCIDR: SERVICE_CIDR, clusterIPs: true, healthzPort: 0, log });
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    await onServiceIP?.stop();
    await cleanupProxy({ nodeName: node, clusterIPs: true, serviceCIDR: SERVICE_CIDR, log });
    await removeEchoContainers(label);
  }, 60_000);

  it('answers the host on 10.96.0.10:53', async (ctx) => {
    if (!onServiceIP) return ctx.skip();
    expect(data(await askUdp('web.default.svc.cluster.local', 'A', '10.96.0.10', 53))).toEqual([webIP]);
  });

  it('resolves a service name for nslookup in a container', async (ctx) => {
    if (!onServiceIP) return ctx.skip();
    const r = await dockerRunOnce(['--label', `skiff.test=${label}`, '--dns', '10.96.0.10', 'skiff/busybox:latest', 'nslookup', 'web.default.svc.cluster.local']);
    expect(r.output).toContain(webIP);
    expect(r.code, r.output).toBe(0);
  });

  it('lets a container fetch from a service by its short name, through the search path and the proxy', async (ctx) => {
    if (!onServiceIP) return ctx.skip();
    const r = await dockerRunOnce([
      '--label',
      `skiff.test=${label}`,
      '--dns',
      '10.96.0.10',
      '--dns-search',
      'default.svc.cluster.local',
      '--dns-search',
      'svc.cluster.local',
      '--dns-option',
      'ndots:5',
      'skiff/busybox:latest',
      'sh',
      '-c',
      'wget -qO- http://web.default.svc.cluster.local:80/ && wget -qO- http://web/',
    ]);
    expect(r.code, r.output).toBe(0);
    const lines = r.output.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(['web-0', 'web-1']).toContain(l.trim());
  });
});
