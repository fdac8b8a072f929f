// A whole cluster for end-to-end tests, started exactly as a user starts one:
// the built `skiff up` command (so `npm run build` must have run), in a
// temporary home, on free ports, with node names and node IPs of its own so
// that it never meets another cluster's containers. stop() is `skiff down
// --purge`, which removes the pods' containers too.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach } from 'vitest';
import { freePorts } from '../../src/cluster/etcd.js';
import { defaultServiceCIDR, hasLocalRoute } from '../../proxy/local-route.js';
import type { ClusterState } from '../../src/cluster/state.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const KUBECTL = '/usr/bin/kubectl';
export const DOCKER = '/usr/bin/docker';
export const MANIFESTS = join(REPO, 'manifests');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface E2ECluster {
  home: string;
  kubeconfig: string;
  nodes: string[];
  state(): ClusterState;
  /** the built skiff CLI against this cluster */
  skiff(...args: string[]): Promise<RunResult>;
  /** the built skiff CLI with `input` on its standard input (`skiff apply -f -`) */
  skiffWithInput(input: string, ...args: string[]): Promise<RunResult>;
  /** `skiff <args> -o json`, parsed; throws with the CLI's own error when it fails */
  json<T>(...args: string[]): Promise<T>;
  /** real kubectl against this cluster */
  kubectl(...args: string[]): Promise<RunResult>;
  /** `skiff up` again with the same flags (after down) */
  up(): Promise<RunResult>;
  down(purge?: boolean): Promise<RunResult>;
  /** pods, nodes and the last lines of every component's log: what a failing test prints */
  diagnostics(lines?: number): Promise<string>;
}

export interface E2EOptions {
  nodes?: number;
  runtime?: 'docker' | 'simulated';
  /** distinct per test file: node IPs 127.0.<net>.N and node names e2e<net>-node-N */
  net: number;
  extra?: string[];
}

export async function startCluster(o: E2EOptions): Promise<E2ECluster> {
  requireBuild();
  const home = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const kubeconfig = join(home, 'kubeconfig');
  const [apiserverPort, etcdPort, etcdPeerPort, portBase] = await freePorts(4);
  const nodes = o.nodes ?? 2;
  const upArgs = [
    CLI, 'up',
    '--home', home,
    '--nodes', String(nodes),
    '--runtime', o.runtime ?? 'docker',
    '--apiserver-port', String(apiserverPort),
    '--etcd-port', String(etcdPort),
    '--etcd-peer-port', String(etcdPeerPort),
    // a free port with room above it for the per-node health ports
    '--node-port-base', String(20000 + ((portBase! * 7) % 20000)),
    '--node-net', String(o.net),
    '--node-prefix', `e2e${o.net}-node`,
    ...(o.extra ?? []),
  ];
  const env = { ...process.env, KUBECONFIG: kubeconfig, SKIFF_HOME: home };
  const up = () => run(process.execPath, upArgs, { env, timeoutMs: 300_000 });
  const cluster: E2ECluster = {
    home,
    kubeconfig,
    nodes: Array.from({ length: nodes }, (_, i) => `e2e${o.net}-node-${i + 1}`),
    state: () => JSON.parse(readFileSync(join(home, 'cluster.json'), 'utf8')) as ClusterState,
    skiff: (...args) => run(process.execPath, [CLI, ...args], { env }),
    skiffWithInput: (input, ...args) => run(process.execPath, [CLI, ...args], { env, input }),
    json: async <T>(...args: string[]) => {
      const res = await run(process.execPath, [CLI, ...args, '-o', 'json'], { env });
      if (res.code !== 0) throw new Error(`skiff ${args.join(' ')}: ${res.stderr.trim() || res.stdout.trim()}`);
      return JSON.parse(res.stdout) as T;
    },
    kubectl: (...args) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { env }),
    up,
    down: (purge = false) => run(process.execPath, [CLI, 'down', '--home', home, ...(purge ? ['--purge'] : [])], { env, timeoutMs: 120_000 }),
    diagnostics: async (lines = 15) => {
      const parts: string[] = [];
      for (const args of [['get', 'nodes', '-o', 'wide'], ['get', 'pods', '-A', '-o', 'wide']]) {
        const r = await cluster.skiff(...args);
        parts.push(`$ skiff ${args.join(' ')}\n${r.stdout}${r.stderr}`);
      }
      let components: { name: string; logFile: string }[] = [];
      try {
        components = cluster.state().components;
      } catch {
        components = [];
      }
      for (const c of components) parts.push(`--- ${c.name} (${c.logFile})\n${tail(c.logFile, lines)}`);
      return parts.join('\n');
    },
  };
  const res = await up();
  if (res.code !== 0) {
    await cluster.down(true);
    throw new Error(`skiff up failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  // Nothing may be sent to a cluster IP unless the service range is local to this machine.
  if (!(await hasLocalRoute(defaultServiceCIDR))) {
    await cluster.down(true);
    throw new Error(`skiff up left ${defaultServiceCIDR} without its local route: refusing to send traffic to cluster IPs`);
  }
  return cluster;
}

/** the e2e tests run the built CLI, as a user does; `npm test` builds it first */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`no build at ${CLI}: run \`npm run build\` first (npm test does)`);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

/** the Docker CLI, as a user at the machine runs it */
export function docker(...args: string[]): Promise<RunResult> {
  return run(DOCKER, args);
}

/**
 * True when the kernel delivers traffic for `ip` on this machine (a `local`
 * route, as the proxy installs for the service range). Tests check this before
 * sending anything to a service IP, so that a cluster whose proxy has not made
 * the range local never sends test traffic off the machine.
 */
export async function routedLocally(ip: string): Promise<boolean> {
  const res = await run('ip', ['-4', 'route', 'get', ip]);
  return res.code === 0 && /^local\s/.test(res.stdout.trim());
}

/**
 * One HTTP GET on a connection of its own (no keep-alive, so that successive
 * requests through a Service may reach different pods), with a short timeout.
 */
export function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body.trim()}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** prints the cluster's pods, nodes and component logs when a test of this file fails */
export function printDiagnosticsOnFailure(cluster: () => E2ECluster | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      const c = cluster();
      if (c) console.log(await c.diagnostics());
    }, 30_000);
  });
}

/** polls fn until it returns a truthy value; throws the last error or a timeout */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** sends SIGSTOP/SIGCONT: a frozen kubelet stops heartbeating without its supervisor restarting it */
export function signal(pid: number, sig: NodeJS.Signals): void {
  process.kill(pid, sig);
}

