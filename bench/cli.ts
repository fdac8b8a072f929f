// CLI benchmark: prints a table, never fails a build.
//
// Measured side by side in one run, each command run as its own process the
// way a user runs it:
// - `skiff get pods` and `kubectl get pods` over 1,000 pods (server-printed
//   tables for both), and the same with -o json;
// - start-up: `skiff version --client`, `skiff --help`, `skiff version`
//   against the server, with `kubectl version --client` beside them.
// The apiserver is the real `skiff apiserver` (TLS, token) in its own process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { skiffCli } from './lib/components.js';
import { startControlPlane } from './lib/control-plane.js';
import { podsRef, type PodObject } from './lib/resources.js';
import { progress as report } from './lib/report.js';
import { percentile, runConcurrent } from './lib/stats.js';

const PODS = Number(process.env.BENCH_CLI_PODS ?? 1000);
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 7);
const KUBECTL = '/usr/bin/kubectl';
const execFileAsync = promisify(execFile);
const progress = (msg: string): void => report(msg, 'bench:cli');

function pod(name: string): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0', ports: [{ containerPort: 8080 }] }], nodeName: 'node-1' },
  };
}

/** Median wall time (ms) of a command run as a process, and its output of the last run. */
async function timeCommand(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; out: string }> {
  const times: number[] = [];
  let out = '';
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const res = await execFileAsync(file, args, { env, maxBuffer: 256 * 1024 * 1024 }).catch((e: { stdout?: string; stderr?: string }) => ({
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }));
    times.push(performance.now() - t);
    out = res.stdout;
  }
  return { ms: percentile(times.sort((a, b) => a - b), 50), out };
}

async function main() {
  const cp = await startControlPlane();
  const env = { ...process.env, KUBECONFIG: cp.kubeconfig };
  try {
    progress(`creating ${PODS} pods`);
    const pods = cp.client.resource<PodObject>(podsRef);
    await runConcurrent(PODS, 16, async (i) => {
      await pods.create('default', pod(`p-${i}`));
    });

    const rows: [string, number, number | undefined][] = [];
    const compare = async (label: string, skiffArgs: string[], kubectlArgs: string[] | undefined, check?: (out: string) => void) => {
      progress(label);
      const mine = await timeCommand(process.execPath, [skiffCli, ...skiffArgs], env);
      check?.(mine.out);
      const theirs = kubectlArgs ? await timeCommand(KUBECTL, kubectlArgs, env) : undefined;
      rows.push([label, mine.ms, theirs?.ms]);
    };
    const countRows = (want: number) => (out: string) => {
      const n = out.trim().split('\n').length - 1;
      if (n !== want) throw new Error(`expected ${want} rows, got ${n}`);
    };
    await compare(`get pods (${PODS} pods, table)`, ['get', 'pods'], ['get', 'pods'], countRows(PODS));
    await compare(`get pods -o json (${PODS} pods)`, ['get', 'pods', '-o', 'json'], ['get', 'pods', '-o', 'json']);
    await compare('get pods -o name', ['get', 'pods', '-o', 'name'], ['get', 'pods', '-o', 'name']);
    await compare('start-up: version --client', ['version', '--client'], ['version', '--client']);
    await compare('start-up: --help', ['--help'], ['--help']);
    await compare('version (with the server)', ['version'], ['version']);

    const fmt = (ms: number | undefined) => (ms === undefined ? '-' : `${ms.toFixed(0)} ms`);
    const lines = [
      `skiff CLI benchmark (median of ${RUNS} runs, each a new process)`,
      '',
      `${'measurement'.padEnd(36)}${'skiff'.padStart(10)}${'kubectl'.padStart(10)}${'skiff/kubectl'.padStart(15)}`,
      ...rows.map(([label, a, b]) => `${label.padEnd(36)}${fmt(a).padStart(10)}${fmt(b).padStart(10)}${(b ? (a / b).toFixed(2) : '-').padStart(15)}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:cli failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
