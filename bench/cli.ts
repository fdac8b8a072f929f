// CLI benchmark: prints a table, never fails a build.
//
// Measured side by side in one run, each command run as its own process the
// way a user runs it:
// - `skiff get pods` and `kubectl get pods` over 1,000 pods (server-printed
//   tables for both), and the same with -o json;
// - start-up: `skiff version --client`, `skiff --help`, `skiff version`
//   against the server, with `kubectl version --client` beside them.
// The apiserver is the real `skiff apiserver` (TLS, token) in its own process.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { freePorts, startEtcd, terminate } from '../src/cluster/etcd.js';
import { ensureServingCert } from '../src/cluster/pki.js';
import { writeKubeconfig } from '../src/client/kubeconfig.js';

const PODS = Number(process.env.BENCH_CLI_PODS ?? 1000);
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 7);
const KUBECTL = '/usr/bin/kubectl';
const execFileAsync = promisify(execFile);
const progress = (msg: string) => process.stderr.write(`[bench:cli] ${msg}\n`);
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function pod(name: string) {
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
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, out };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-cli-'));
  const etcd = await startEtcd();
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);
  const cert = ensureServingCert(join(dir, 'pki'), 'apiserver', { dns: ['localhost'], ips: ['127.0.0.1'] });
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
  const [port] = await freePorts(1);
  const server = spawn(
    process.execPath,
    [cli, 'apiserver', '--etcd-servers', etcd.endpoint, '--secure-port', String(port), '--tls-cert-file', cert.certFile, '--tls-private-key-file', cert.keyFile, '--token-auth-file', join(dir, 'tokens.csv'), '--log-level', 'warn'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: url, token, ca });
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const pool = new Pool(url, { connections: 16, connect: { ca } });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    for (let i = 0; ; i++) {
      try {
        const r = await pool.request({ path: '/readyz', method: 'GET' });
        await r.body.text();
        if (r.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      if (i > 300) throw new Error('apiserver did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    progress(`creating ${PODS} pods`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= PODS) return;
          const r = await pool.request({ path: '/api/v1/namespaces/default/pods', method: 'POST', headers, body: JSON.stringify(pod(`p-${i}`)) });
          await r.body.text();
        }
      }),
    );

    const rows: [string, number, number | undefined][] = [];
    const compare = async (label: string, skiffArgs: string[], kubectlArgs: string[] | undefined, check?: (out: string) => void) => {
      progress(label);
      const mine = await timeCommand(process.execPath, [cli, ...skiffArgs], env);
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
    await pool.close();
    await terminate(server);
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:cli failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
