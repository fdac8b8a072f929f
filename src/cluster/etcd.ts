// Runs an etcd process: for `skiff up` (a persistent data directory under the
// cluster's home) and for tests (free loopback ports, a temporary data
// directory, and a stop() that leaves nothing behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface EtcdProcess {
  /** client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** pid of the running etcd (changes after restart) */
  readonly pid: number;
  dataDir: string;
  /** stops etcd and keeps its data, then starts it again on the same ports */
  restart(): Promise<void>;
  /** stops etcd (SIGTERM, then SIGKILL) and removes its data directory when it was temporary */
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** the etcd binary: /usr/bin/etcd, else the first `etcd` on PATH */
export function etcdBinary(): string {
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('etcd not found: run `npm test` (it installs etcd-server) or apt-get install etcd-server');
}

export interface StartEtcdOptions {
  /** keep data here (created if missing); default a temporary directory removed by stop() */
  dataDir?: string;
  /** default: free ports */
  clientPort?: number;
  peerPort?: number;
  /** append etcd's output here instead of discarding it */
  logFile?: string;
}

/** etcd's command line for one member on loopback: the same for tests and for `skiff up` */
export function etcdArgs(o: { dataDir: string; clientPort: number; peerPort: number; logLevel: string }): string[] {
  const endpoint = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    '--name',
    'default',
    '--data-dir',
    o.dataDir,
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `default=${peer}`,
    '--logger',
    'zap',
    '--log-level',
    o.logLevel,
  ];
}

export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const binary = etcdBinary();
  const [freeClient, freePeer] = await freePorts(2);
  const clientPort = opts.clientPort ?? freeClient!;
  const peerPort = opts.peerPort ?? freePeer!;
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'skiff-etcd-')));
  if (!temporary) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const args = etcdArgs({ dataDir, clientPort, peerPort, logLevel: opts.logFile ? 'warn' : 'error' });

  let child: ChildProcess;
  try {
    child = await launch(binary, args, endpoint, opts.logFile);
  } catch (err) {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    endpoint,
    get pid() {
      return child.pid ?? -1;
    },
    dataDir,
    async restart() {
      await terminate(child);
      child = await launch(binary, args, endpoint, opts.logFile);
    },
    async stop() {
      await terminate(child);
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(binary: string, args: string[], endpoint: string, logFile?: string): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    log?.write(chunk);
  });
  child.once('exit', () => log?.end());
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`etcd failed to start: ${err.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`etcd exited during startup (code ${code}, signal ${signal}): ${stderr.trim()}`)),
    );
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitHealthy(endpoint), exited]);
  } catch (err) {
    await terminate(child);
    throw err;
  }
  return child;
}

export async function waitHealthy(endpoint: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: unknown };
      if (res.ok && body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${endpoint} not healthy after ${HEALTH_TIMEOUT_MS} ms: ${last}`);
}

export async function terminate(child: ChildProcess, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** ports the kernel just handed out on 127.0.0.1, released again for etcd to bind */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const srv = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve(srv));
      });
    }),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port assigned');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
