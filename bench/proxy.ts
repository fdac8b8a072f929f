// Proxy benchmark: prints tables, never fails a build.
//
// Three echo containers on the Docker bridge behind one Service on a real
// apiserver, and `skiff proxy` as its own process (as in a cluster), first in
// userspace mode, then (as root) in iptables mode. Side by side in one run:
// - HTTP requests/s and p99 with keep-alive (autocannon, same settings for
//   every target) through the cluster IP and directly to one container;
// - new connections/s, each carrying one HTTP/1.0 request, same targets;
// - one slowed backend among three (a CPU-throttled container; every request
//   is GET /burn?ms=N, which costs the throttled one many times as long:
//   GET /delay?ms=N would slow every backend alike) and the share of requests
//   it gets, with p99, under round-robin, least-connections and ewma
//   (userspace), and iptables' random spread.
// BENCH_SECONDS (default 5) sets the length of each measurement.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { startApiServer, type TestApiServer } from '../test/harness/apiserver.js';
import { claimLocalRoute, releaseLocalRoute } from '../proxy/local-route.js';
import { cleanupProxy } from '../proxy/main.js';
import {
  assertServiceRangeLocal,
  createService,
  putSlice,
  removeEchoContainers,
  startEchoContainers,
  waitForPods,
  ECHO_IMAGE,
} from '../proxy/testing/echo-containers.js';
import { balancePolicies, type BalancePolicyName } from '../proxy/service-ports.js';
import { skiffCli } from './lib/components.js';
import { progress } from './lib/report.js';
import { percentile } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const BURN_MS = 2;
const LABEL = `bench-proxy-${process.pid}`;
const SERVICE_CIDR = '10.96.0.0/12';
const NODE = `bench-proxy-${process.pid}`;
const log = pino({ level: 'silent' });
const isRoot = process.getuid?.() === 0;

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

interface Throughput {
  rps: number;
  p99: number;
  errors: number;
}

async function keepAliveLoad(host: string, port: number): Promise<Throughput> {
  await assertServiceRangeLocal(host);
  const url = `http://${host}:${port}/`;
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  if (r.errors || r.non2xx) progress(`${url}: ${r.errors} errors (${r.timeouts} timeouts), ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodeStats)}`);
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** connect, one HTTP/1.0 request, read to the end, close; `concurrency` loops for SECONDS */
async function connectionRate(host: string, port: number, concurrency = 16): Promise<{ perSecond: number; p99: number; errors: number }> {
  await assertServiceRangeLocal(host);
  const until = performance.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const codes = new Map<string, number>();
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const s = connect({ host, port });
      s.on('error', (err: NodeJS.ErrnoException) => {
        errors++;
        codes.set(err.code ?? err.message, (codes.get(err.code ?? err.message) ?? 0) + 1);
        resolve();
      });
      s.on('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
      s.on('data', () => {});
      s.on('end', () => {
        latencies.push(performance.now() - started);
        s.destroy();
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await once();
    }),
  );
  latencies.sort((a, b) => a - b);
  if (errors) progress(`${host}:${port}: connection errors ${JSON.stringify(Object.fromEntries(codes))}`);
  return { perSecond: latencies.length / SECONDS, p99: percentile(latencies, 99), errors };
}

/** new connection per request (so that each one is balanced), counting who answered */
async function sharedLoad(host: string, port: number, path: string, concurrency = 16): Promise<{ counts: Map<string, number>; total: number; p99: number; rps: number }> {
  await assertServiceRangeLocal(host);
  const until = performance.now() + SECONDS * 1000;
  const counts = new Map<string, number>();
  const latencies: number[] = [];
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request({ host, port, path, agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const who = Buffer.concat(chunks).toString().trim();
          counts.set(who, (counts.get(who) ?? 0) + 1);
          latencies.push(performance.now() - started);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve());
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await once();
    }),
  );
  latencies.sort((a, b) => a - b);
  return { counts, total: latencies.length, p99: percentile(latencies, 99), rps: latencies.length / SECONDS };
}

function startProxyProcess(s: TestApiServer, mode: 'userspace' | 'iptables'): ChildProcess {
  const child = spawn(
    process.execPath,
    [skiffCli, 'proxy', '--kubeconfig', s.kubeconfig, '--node-name', NODE, '--node-ip', '127.0.1.1', '--proxy-mode', mode, '--healthz-port', '0', '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  target: string;
  ka?: Throughput;
  conn?: { perSecond: number; p99: number; errors: number };
}

interface SlowRow {
  policy: string;
  slowShare: number;
  p99: number;
  rps: number;
}

async function main(): Promise<void> {
  progress('apiserver, echo containers');
  const s = await startApiServer();
  // the range stays local for the whole run: between two proxies a packet to a cluster IP must not leave the machine
  const canProxy = isRoot;
  const routeUser = `bench ${process.pid}`;
  if (canProxy) await claimLocalRoute(SERVICE_CIDR, routeUser);
  const rows: Row[] = [];
  const slowRows: SlowRow[] = [];
  let proxy: ChildProcess | undefined;
  try {
    const pods = await startEchoContainers(['bench-0', 'bench-1', 'bench-2'], LABEL);
    const [slow] = await startEchoContainers(['bench-slow'], LABEL, { cpus: 0.05 });
    const svc = await createService(s.client, { name: 'bench' });
    const ip = svc.spec.clusterIP;
    await putSlice(s.client, 'bench', pods.map((p) => ({ ip: p.ip, pod: p.name })));
    const slowIPs = new Map<BalancePolicyName, string>();
    for (const policy of balancePolicies.filter((p) => p !== 'random')) {
      const name = `slow-${policy}`;
      const created = await createService(s.client, { name, annotations: { 'skiff.io/load-balancer': policy } });
      slowIPs.set(policy, created.spec.clusterIP);
      await putSlice(s.client, name, [...pods.slice(0, 2), slow!].map((p) => ({ ip: p.ip, pod: p.name })));
    }

    progress(`direct to ${pods[0]!.ip}:8080`);
    const direct: Row = { target: `direct to one container (${ECHO_IMAGE})` };
    direct.ka = await keepAliveLoad(pods[0]!.ip, 8080);
    direct.conn = await connectionRate(pods[0]!.ip, 8080);
    rows.push(direct);

    for (const mode of ['userspace', 'iptables'] as const) {
      if (!canProxy) {
        rows.push({ target: `cluster IP, ${mode} (needs root to make the service range local: skipped)` });
        continue;
      }
      progress(`skiff proxy --proxy-mode ${mode}`);
      proxy = startProxyProcess(s, mode);
      await waitForPods(ip, 80, pods.map((p) => p.name), 30_000);
      for (const policyIP of slowIPs.values()) await waitForPods(policyIP, 80, [pods[0]!.name, pods[1]!.name, slow!.name], 30_000);
      const row: Row = { target: `cluster IP, ${mode} proxy` };
      row.ka = await keepAliveLoad(ip, 80);
      row.conn = await connectionRate(ip, 80);
      rows.push(row);
      if (mode === 'userspace') {
        for (const [policy, policyIP] of slowIPs) {
          progress(`slowed backend, ${policy}`);
          slowRows.push(slowRow(policy, await sharedLoad(policyIP, 80, `/burn?ms=${BURN_MS}`)));
        }
      } else {
        progress('slowed backend, iptables');
        slowRows.push(slowRow('iptables (random)', await sharedLoad(slowIPs.get('round-robin')!, 80, `/burn?ms=${BURN_MS}`)));
      }
      await stopProcess(proxy);
      proxy = undefined;
      await cleanupProxy({ nodeName: NODE, clusterIPs: true, serviceCIDR: SERVICE_CIDR, log });
    }
    progress('directly to the slowed container, for scale');
    const alone = await sharedLoad(slow!.ip, 8080, `/burn?ms=${BURN_MS}`, 4);
    const fastAlone = await sharedLoad(pods[0]!.ip, 8080, `/burn?ms=${BURN_MS}`, 4);

    printTables(rows, slowRows, { slowP99: alone.p99, fastP99: fastAlone.p99 });
  } finally {
    if (proxy) await stopProcess(proxy);
    await cleanupProxy({ nodeName: NODE, clusterIPs: true, serviceCIDR: SERVICE_CIDR, log }).catch(() => undefined);
    if (canProxy) await releaseLocalRoute(SERVICE_CIDR, routeUser).catch(() => undefined);
    await removeEchoContainers(LABEL).catch(() => undefined);
    await s.stop();
  }
}

function slowRow(policy: string, r: { counts: Map<string, number>; total: number; p99: number; rps: number }): SlowRow {
  return { policy, slowShare: r.total ? (r.counts.get('bench-slow') ?? 0) / r.total : NaN, p99: r.p99, rps: r.rps };
}

function printTables(rows: Row[], slowRows: SlowRow[], scale: { slowP99: number; fastP99: number }): void {
  const base = rows[0]!;
  const out: string[] = [];
  out.push('');
  out.push(`HTTP through the proxy (${CONNECTIONS} keep-alive connections, ${SECONDS}s each; new connections: 16 loops of connect + one HTTP/1.0 request)`);
  out.push('');
  out.push('| target | keep-alive req/s | vs direct | p99 ms | new conn/s | vs direct | p99 ms | errors |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    if (!r.ka || !r.conn) {
      out.push(`| ${r.target} | n/a | | | n/a | | | |`);
      continue;
    }
    out.push(
      `| ${r.target} | ${fmt(r.ka.rps)} | ${fmt(r.ka.rps / base.ka!.rps, 2)} | ${fmt(r.ka.p99, 1)} | ${fmt(r.conn.perSecond)} | ${fmt(r.conn.perSecond / base.conn!.perSecond, 2)} | ${fmt(r.conn.p99, 1)} | ${r.ka.errors + r.conn.errors} |`,
    );
  }
  out.push('');
  out.push(
    `One slowed backend of three (CPU-throttled to 0.05 CPU; GET /burn?ms=${BURN_MS}, new connection per request, 16 loops; alone it answers at p99 ${fmt(scale.slowP99, 1)} ms, a normal one at ${fmt(scale.fastP99, 1)} ms)`,
  );
  out.push('');
  out.push('| policy | slowed backend share | req/s | p99 ms |');
  out.push('| --- | ---: | ---: | ---: |');
  for (const r of slowRows) out.push(`| ${r.policy} | ${fmt(r.slowShare * 100, 1)}% | ${fmt(r.rps)} | ${fmt(r.p99, 1)} |`);
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 0;
});
