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

/** one bearer token per component, so that authorization can later tell them apart */
const COMPONENT_USERS: Record<string, { user: string; groups: string }> = {
  admin: { user: 'admin', groups: 'system:masters' },
  'controller-manager': { user: 'system:kube-controller-manager', groups: '' },
  scheduler: { user: 'system:kube-scheduler', groups: '' },
};

function ensureTokens(home: string): Record<string, string> {
  const file = join(home, 'tokens.csv');
  const tokens: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [token, user] = line.split(',').map((f) => f.trim());
      const component = Object.entries(COMPONENT_USERS).find(([, u]) => u.user === user)?.[0];
      if (token && component) tokens[component] = token;
    }
  }
  let changed = false;
  for (const component of Object.keys(COMPONENT_USERS)) {
    if (!tokens[component]) {
      tokens[component] = randomBytes(24).toString('hex');
      changed = true;
    }
  }
  if (changed) {
    const lines = Object.entries(COMPONENT_USERS).map(([c, u]) => `${tokens[c]},${u.user},${u.user},"${u.groups}"`);
    writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  }
  return tokens;
}

async function waitReady(url: string, ca: string, component: Supervisor, timeoutMs = 30_000): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    while (Date.now() < deadline) {
      if (component.exitedEarly) throw new Error(`apiserver exited: see ${component.logFile}`);
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

/**
 * One component process of the cluster, restarted with growing delays when
 * it dies (and the terminal says so), stopped by its pid.
 */
class Supervisor {
  private child?: ChildProcess;
  private stopping = false;
  private backoffMs = 1000;
  exitedEarly = false;

  constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly args: string[],
  ) {}

  start(): void {
    const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [cli, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const started = Date.now();
    child.once('exit', (code, signal) => {
      log.end();
      if (this.stopping) return;
      this.exitedEarly = true;
      if (Date.now() - started > 60_000) this.backoffMs = 1000;
      say(`${this.name} exited (code ${code}, signal ${signal}); restarting in ${this.backoffMs / 1000}s (log: ${this.logFile})`);
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
    });
    this.child = child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) await terminate(this.child);
  }
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
  const tokens = ensureTokens(home);

  say(`==> etcd (data in ${join(home, 'etcd')})`);
  let etcd: EtcdProcess | undefined;
  const supervisors: Supervisor[] = [];
  const stopAll = async () => {
    for (const s of supervisors.reverse()) await s.stop();
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
    const apiserver = new Supervisor('apiserver', join(logs, 'apiserver.log'), [
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
    ]);
    supervisors.push(apiserver);
    apiserver.start();
    const url = `https://127.0.0.1:${opts.apiserverPort}`;
    await waitReady(url, ca, apiserver);

    say('==> controller-manager');
    const cmKubeconfig = join(home, 'controller-manager.kubeconfig');
    writeKubeconfig(cmKubeconfig, { server: url, token: tokens['controller-manager']!, ca, userName: 'controller-manager' });
    const cm = new Supervisor('controller-manager', join(logs, 'controller-manager.log'), [
      'controller-manager',
      '--kubeconfig',
      cmKubeconfig,
      '--port',
      '0',
      '--log-level',
      opts.logLevel,
    ]);
    supervisors.push(cm);
    cm.start();

    say('==> scheduler');
    const schedKubeconfig = join(home, 'scheduler.kubeconfig');
    writeKubeconfig(schedKubeconfig, { server: url, token: tokens.scheduler!, ca, userName: 'scheduler' });
    const scheduler = new Supervisor('scheduler', join(logs, 'scheduler.log'), [
      'scheduler',
      '--kubeconfig',
      schedKubeconfig,
      '--port',
      '0',
      '--log-level',
      opts.logLevel,
    ]);
    supervisors.push(scheduler);
    scheduler.start();

    writeKubeconfig(opts.kubeconfig, { server: url, token: tokens.admin!, ca });
    say(`==> ready: apiserver at ${url} (etcd ${etcd.endpoint})`);
    say('');
    say(`Admin kubeconfig: ${opts.kubeconfig}`);
    say(`Logs:             ${logs}`);
    say('Try:');
    say(`  kubectl --kubeconfig ${opts.kubeconfig} get namespaces`);
    const manifests = fileURLToPath(new URL('../../../manifests', import.meta.url));
    say(`  kubectl --kubeconfig ${opts.kubeconfig} apply -f ${join(manifests, 'namespace.yaml')}`);
    say(`  kubectl --kubeconfig ${opts.kubeconfig} -n demo apply -f ${join(manifests, 'pod.yaml')}`);
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
