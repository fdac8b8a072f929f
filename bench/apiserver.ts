// Apiserver benchmark: prints a table, never fails a build.
//
// Everything is measured side by side in one run against one local etcd:
// - create throughput through the apiserver at 32 concurrent clients vs raw
//   etcd puts of the same objects with the same etcd3 client and concurrency;
// - create latency p50/p99;
// - LIST of 10,000 pods served from the watch cache;
// - watch fan-out: 500 watchers on pods, time until all have seen one update;
// - the apiserver's RSS holding 10,000 pods.
// The apiserver runs as its own process (the real `skiff apiserver` with TLS
// and a token), so the load generator does not share its event loop.
// BENCH_CREATES (default 5,000) sets the measured creates, BENCH_LIST_SIZE
// (default 10,000) the pods held for the LIST and RSS figures, BENCH_WATCHERS
// (default 500) the watchers; BENCH_SERVER_NODE_ARGS passes flags to node
// running the apiserver.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { Agent, Pool, request } from 'undici';
import { nodeArgsFrom, skiffCli } from './lib/components.js';
import { startControlPlane } from './lib/control-plane.js';
import { procStatusMB } from './lib/process-usage.js';
import { columnTable, progress } from './lib/report.js';
import { median, percentile, runConcurrent } from './lib/stats.js';

const CONCURRENCY = 32;
const CREATES = Number(process.env.BENCH_CREATES ?? 5000);
const LIST_SIZE = Number(process.env.BENCH_LIST_SIZE ?? 10_000);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 500);

function pod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench', tier: 'web' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'skiff/echo:1.0',
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [{ name: 'MODE', value: 'bench' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
    },
  };
}

async function main() {
  const cp = await startControlPlane({ nodeArgs: nodeArgsFrom('BENCH_SERVER_NODE_ARGS'), apiserverArgs: ['--etcd-compaction-interval', '0'] });
  const { etcd, url, ca } = cp;
  const headers = { authorization: `Bearer ${cp.token}`, 'content-type': 'application/json' };
  const pool = new Pool(url, { connections: CONCURRENCY, connect: { ca } });
  const etcdClient = new Etcd3({ hosts: etcd.endpoint, grpcOptions: { 'grpc.max_receive_message_length': 2 ** 31 - 1 } });
  try {
    // Warm up both paths so neither pays for connection set-up or JIT in the measurement.
    await runConcurrent(200, CONCURRENCY, async (i) => {
      const r = await pool.request({ path: '/api/v1/namespaces/default/pods', method: 'POST', headers, body: JSON.stringify(pod(`warm-${i}`)) });
      await r.body.text();
    });
    await runConcurrent(200, CONCURRENCY, async (i) => {
      await etcdClient.put(`/bench-raw/warm-${i}`).value(JSON.stringify(pod(`warm-${i}`)));
    });

    progress('creates through the apiserver');
    const api = await runConcurrent(CREATES, CONCURRENCY, async (i) => {
      const r = await pool.request({ path: '/api/v1/namespaces/default/pods', method: 'POST', headers, body: JSON.stringify(pod(`p-${i}`)) });
      await r.body.text();
      if (r.statusCode !== 201) throw new Error(`create answered ${r.statusCode}`);
    });
    // What the apiserver stores is the defaulted object: put objects of that size.
    const storedRes = await pool.request({ path: '/api/v1/namespaces/default/pods/p-0', method: 'GET', headers });
    const stored = JSON.parse(await storedRes.body.text()) as { metadata: Record<string, unknown> };
    delete stored.metadata.resourceVersion;
    const raw = await runConcurrent(CREATES, CONCURRENCY, async (i) => {
      stored.metadata.name = `p-${i}`;
      await etcdClient.put(`/bench-raw/pods/default/p-${i}`).value(JSON.stringify(stored));
    });
    const apiRate = CREATES / api.seconds;
    const metricsRes = await pool.request({ path: '/metrics', method: 'GET', headers });
    const metricsText = await metricsRes.body.text();
    const metric = (name: string) =>
      Number(new RegExp(`^${name}\\{operation="create",type="pods"\\} (\\S+)$`, 'm').exec(metricsText)?.[1] ?? NaN);
    const etcdCreateMeanMs = (1000 * metric('etcd_request_duration_seconds_sum')) / metric('etcd_request_duration_seconds_count');
    const rawRate = CREATES / raw.seconds;

    progress(`raw etcd puts done; filling to ${LIST_SIZE} pods`);
    const have = CREATES + 200;
    await runConcurrent(Math.max(0, LIST_SIZE - have), CONCURRENCY, async (i) => {
      const r = await pool.request({ path: '/api/v1/namespaces/default/pods', method: 'POST', headers, body: JSON.stringify(pod(`fill-${i}`)) });
      await r.body.text();
    });
    await sleep(1000);
    const rssHolding = procStatusMB(cp.apiserver.pid!, 'VmRSS');
    progress('LIST from the watch cache');
    const listTimes: number[] = [];
    let listed = 0;
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      const r = await pool.request({ path: '/api/v1/pods?resourceVersion=0', method: 'GET', headers });
      const body = await r.body.text();
      listTimes.push(performance.now() - t);
      listed = (JSON.parse(body) as { items: unknown[] }).items.length;
    }
    listTimes.sort((a, b) => a - b);
    const listMs = percentile(listTimes, 50);
    const etcdListT = performance.now();
    const rawList = await etcdClient.getAll().prefix('/registry/pods/').strings();
    const etcdListMs = performance.now() - etcdListT;

    progress('watch fan-out');
    // Watch fan-out.
    const watchAgent = new Agent({ connections: WATCHERS + 10, connect: { ca }, pipelining: 0 });
    const target = 'p-0';
    // Watch from the current revision: only the one update is delivered.
    const current = await pool.request({ path: '/api/v1/namespaces/default/pods?limit=1', method: 'GET', headers });
    const rv = (JSON.parse(await current.body.text()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    let seen = 0;
    let allSeen: () => void = () => {};
    const done = new Promise<void>((r) => (allSeen = r));
    const opened: Promise<void>[] = [];
    const aborts: AbortController[] = [];
    for (let i = 0; i < WATCHERS; i++) {
      const ac = new AbortController();
      aborts.push(ac);
      opened.push(
        (async () => {
          const r = await request(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3D${target}`, {
            dispatcher: watchAgent,
            headers,
            signal: ac.signal,
          });
          let buf = '';
          r.body.on('data', (chunk: Buffer) => {
            buf += chunk.toString();
            if (buf.includes('"MODIFIED"')) {
              buf = '';
              if (++seen === WATCHERS) allSeen();
            }
          });
          r.body.on('error', () => undefined);
        })(),
      );
    }
    await Promise.all(opened);
    await sleep(500);
    const fanT = performance.now();
    const patch = await pool.request({
      path: `/api/v1/namespaces/default/pods/${target}`,
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }),
    });
    await patch.body.text();
    await Promise.race([done, sleep(10_000)]);
    const fanMs = performance.now() - fanT;
    const fanSeen = seen;
    for (const ac of aborts) ac.abort();
    await watchAgent.destroy();

    const rss = procStatusMB(cp.apiserver.pid!, 'VmRSS');

    // CLI start-up: `skiff version`, median of 11 runs, beside a bare `node -e 0`.
    const timeCommand = (args: string[]) =>
      new Promise<number>((resolve, reject) => {
        const t = performance.now();
        const child = spawn(process.execPath, args, { stdio: 'ignore' });
        child.once('error', reject);
        child.once('exit', () => resolve(performance.now() - t));
      });
    const medianOf11 = async (args: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < 11; i++) times.push(await timeCommand(args));
      return median(times.sort((a, b) => a - b));
    };
    const versionMs = await medianOf11([skiffCli, 'version']);
    const bareNodeMs = await medianOf11(['-e', '0']);

    const rows: [string, string, string, string][] = [
      ['create throughput (32 clients)', `${apiRate.toFixed(0)} pods/s`, `raw etcd put ${rawRate.toFixed(0)}/s, ratio ${(apiRate / rawRate).toFixed(2)}`, 'ratio >= 0.4'],
      ['create latency p50', `${percentile(api.latencies, 50).toFixed(1)} ms`, `raw etcd p50 ${percentile(raw.latencies, 50).toFixed(1)} ms`, ''],
      ['  of which etcd (mean, seen by apiserver)', `${etcdCreateMeanMs.toFixed(1)} ms`, '', ''],
      ['create latency p99', `${percentile(api.latencies, 99).toFixed(1)} ms`, `raw etcd p99 ${percentile(raw.latencies, 99).toFixed(1)} ms`, '<= 50 ms'],
      [`LIST ${listed} pods from watch cache`, `${listMs.toFixed(0)} ms`, `raw etcd range of ${rawList ? Object.keys(rawList).length : 0} keys ${etcdListMs.toFixed(0)} ms`, '<= 150 ms'],
      [`watch fan-out (${WATCHERS} watchers)`, `${fanMs.toFixed(0)} ms`, `${fanSeen}/${WATCHERS} saw the update`, '<= 100 ms'],
      [`apiserver RSS holding ${listed} pods`, `${rssHolding.toFixed(0)} MB`, `after LISTs and ${WATCHERS} watch connections: ${rss.toFixed(0)} MB`, '<= 250 MB'],
      ['`skiff version` start-up (median of 11)', `${versionMs.toFixed(0)} ms`, `bare node -e 0: ${bareNodeMs.toFixed(0)} ms`, '< 250 ms'],
    ];
    process.stdout.write(`\nSkiff apiserver benchmark (${CREATES} creates, etcd ${etcd.endpoint})\n\n`);
    for (const l of columnTable(['measure', 'skiff', 'baseline', 'target'], rows)) process.stdout.write(l + '\n');
  } finally {
    await pool.close().catch(() => undefined);
    etcdClient.close();
    await cp.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
