// `skiff up`: a local control plane from one command. Generates the cluster's
// CA, serving certificate and admin token on first start (under --home),
// starts etcd and the apiserver as supervised child processes with their own
// log files, writes the admin kubeconfig, and stays in the foreground until
// interrupted; then stops what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startEtcd, terminate, type EtcdProcess } from './etcd.js';
import { ensureServingCert } from './pki.js';
import { writeKubeconfig } from '../client/kubeconfig.js';

export interface UpOptions {
  home: string;
  kubeconfig: string;
  apiserverPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  logLevel: string;
}

const say = (msg: string) => process.stdout.write(`${msg}\n`);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ensureAdminToken(home: string): string {
  const file = join(home, 'tokens.csv');
  if (!existsSync(file)) {
    const token = randomBytes(24).toString('hex');
    writeFileSync(file, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  }
  const first = readFileSync(file, 'utf8').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!first) throw new Error(`${file} holds no token`);
  return first.split(',')[0]!.trim();
}

async function waitReady(url: string, ca: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`apiserver exited with code ${child.exitCode}`);
      try {
        const res = await request(`${url}/readyz`, { dispatcher: agent, headersTimeout: 1000, bodyTimeout: 1000 });
        const body = await res.body.text();
        if (res.statusCode === 200) return;
        last = body;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await agent.close();
  }
  throw new Error(`apiserver not ready after ${timeoutMs} ms: ${last}`);
}

export async function up(opts: UpOptions): Promise<void> {
  const { home } = opts;
  const logs = join(home, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const pidFile = join(home, 'up.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid && isAlive(pid)) {
      say(`A Skiff cluster is already running from ${home} (pid ${pid}); nothing changed.`);
      return;
    }
  }
  writeFileSync(pidFile, String(process.pid));

  say('==> certificates');
  const pki = join(home, 'pki');
  const cert = ensureServingCert(pki, 'apiserver', { dns: ['localhost', hostname()], ips: ['127.0.0.1'] });
  const ca = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const token = ensureAdminToken(home);

  say(`==> etcd (data in ${join(home, 'etcd')})`);
  let etcd: EtcdProcess | undefined;
  let apiserver: ChildProcess | undefined;
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    if (apiserver) await terminate(apiserver);
    if (etcd) await etcd.stop();
    rmSync(pidFile, { force: true });
  };
  try {
    etcd = await startEtcd({
      dataDir: join(home, 'etcd'),
      clientPort: opts.etcdPort,
      peerPort: opts.etcdPeerPort,
      logFile: join(logs, 'etcd.log'),
    });

    say('==> apiserver');
    const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
    const args = [
      cli,
      'apiserver',
      '--etcd-servers',
      etcd.endpoint,
      '--secure-port',
      String(opts.apiserverPort),
      '--tls-cert-file',
      cert.certFile,
      '--tls-private-key-file',
      cert.keyFile,
      '--token-auth-file',
      join(home, 'tokens.csv'),
      '--log-level',
      opts.logLevel,
    ];
    const startApiserver = (): ChildProcess => {
      const log = createWriteStream(join(logs, 'apiserver.log'), { flags: 'a' });
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      child.once('exit', () => log.end());
      return child;
    };
    // A crashed apiserver is restarted with growing delays, and the log says so.
    let backoff = 1000;
    const supervise = (child: ChildProcess) => {
      const started = Date.now();
      child.once('exit', (code, signal) => {
        if (stopping) return;
        if (Date.now() - started > 60_000) backoff = 1000;
        say(`apiserver exited (code ${code}, signal ${signal}); restarting in ${backoff / 1000}s (log: ${join(logs, 'apiserver.log')})`);
        setTimeout(() => {
          if (stopping) return;
          apiserver = startApiserver();
          supervise(apiserver);
        }, backoff);
        backoff = Math.min(backoff * 2, 60_000);
      });
    };
    apiserver = startApiserver();
    const url = `https://127.0.0.1:${opts.apiserverPort}`;
    await waitReady(url, ca, apiserver);
    supervise(apiserver);

    writeKubeconfig(opts.kubeconfig, { server: url, token, ca });
    say(`==> ready: apiserver at ${url} (etcd ${etcd.endpoint})`);
    say('');
    say(`Admin kubeconfig: ${opts.kubeconfig}`);
    say(`Logs:             ${logs}`);
    say('Try:');
    say(`  kubectl --kubeconfig ${opts.kubeconfig} get namespaces`);
    say(`  kubectl --kubeconfig ${opts.kubeconfig} create namespace demo`);
    say('Press Ctrl-C to stop the cluster (its data stays in ' + home + ').');
  } catch (err) {
    await stopAll();
    throw err;
  }

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      say('==> stopping');
      void stopAll().then(resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
