// etcd client benchmark: prints a table, never fails a build.
//
// The CPU a client process spends per etcd call, for the call the apiserver
// makes on every create: a Txn that puts a 2 KB value if the key is absent.
// The same calls, 32 at a time, against one fresh etcd, through:
// - the etcd3 client (grpc-js, proto-loader's object conversion, cockatiel's
//   retry and circuit breaker): the baseline;
// - EtcdGrpc (apiserver/storage/etcd-grpc.ts): what the storage uses for
//   every etcd call.
// Each client is measured BENCH_ROUNDS times (default 3) in alternation, so a
// machine that slows down for a while weighs on both; the table gives each
// round, and the ratio of the medians. etcd's own CPU per call is beside it.
// BENCH_CALLS (default 10,000) sets the calls per round.
import { Etcd3 } from 'etcd3';
import { EtcdGrpc, Result, Target } from '../apiserver/storage/etcd-grpc.js';
import { startEtcd } from '../src/cluster/etcd.js';
import { cpuSeconds } from './lib/process-usage.js';
import { pipeTable, progress, runBenchmark } from './lib/report.js';
import { median, runConcurrent } from './lib/stats.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 32;
const value = Buffer.alloc(2048, 'x');

type Put = (key: Buffer) => Promise<boolean>;

async function measure(name: string, round: number, put: Put, etcdPid: number): Promise<{ clientUs: number; etcdUs: number; perSecond: number }> {
  const prefix = `/bench/${name}/${round}/`;
  for (let i = 0; i < 500; i++) await put(Buffer.from(`${prefix}warm/${i}`));
  const etcd0 = cpuSeconds(etcdPid);
  const cpu0 = process.cpuUsage();
  const run = await runConcurrent(CALLS, CONCURRENCY, async (i) => {
    if (!(await put(Buffer.from(`${prefix}${i}`)))) throw new Error(`${name}: the key was already there`);
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    clientUs: (cpu.user + cpu.system) / CALLS,
    etcdUs: ((cpuSeconds(etcdPid) - etcd0) * 1e6) / CALLS,
    perSecond: CALLS / run.seconds,
  };
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const etcd3 = new Etcd3({ hosts: [etcd.endpoint] });
  const kv = new EtcdGrpc([etcd.endpoint], 10_000);
  const clients: [string, Put][] = [
    [
      'etcd3',
      async (key) =>
        (
          await etcd3.kv.txn({
            compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
            success: [{ request_put: { key, value } }],
            failure: [],
          })
        ).succeeded,
    ],
    [
      'EtcdGrpc',
      async (key) =>
        (
          await kv.txn({
            compare: [{ key, target: Target.Create, result: Result.Equal, create_revision: 0 }],
            success: [{ request_put: { key, value } }],
            failure: [],
          })
        ).succeeded,
    ],
  ];
  const results = new Map<string, { clientUs: number; etcdUs: number; perSecond: number }[]>(clients.map(([name]) => [name, []]));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, put] of clients) {
        progress(`${name}, round ${round}: ${CALLS} Txn calls, ${CONCURRENCY} at a time`);
        results.get(name)!.push(await measure(name, round, put, etcd.pid));
      }
    }
  } finally {
    etcd3.close();
    kv.close();
    await etcd.stop();
  }
  const medianOf = (name: string, pick: (r: { clientUs: number }) => number) => median(results.get(name)!.map(pick).sort((a, b) => a - b));
  const rows = [['client', 'round', 'client CPU µs/call', 'etcd CPU µs/call', 'calls/s']];
  for (const [name] of clients) {
    results.get(name)!.forEach((r, i) => rows.push([name, String(i + 1), r.clientUs.toFixed(0), r.etcdUs.toFixed(0), r.perSecond.toFixed(0)]));
  }
  console.log(pipeTable(rows, 2).join('\n'));
  const base = medianOf('etcd3', (r) => r.clientUs);
  const ours = medianOf('EtcdGrpc', (r) => r.clientUs);
  console.log(`\nclient CPU per call, medians: EtcdGrpc ${ours.toFixed(0)} µs, etcd3 ${base.toFixed(0)} µs: ratio ${(ours / base).toFixed(2)}`);
}

runBenchmark(main);
