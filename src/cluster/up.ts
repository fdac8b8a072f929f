// `skiff up`: a whole local cluster from one command. The command itself
// starts a supervisor (`skiff up --foreground`, detached, logging to
// <home>/logs/up.log), follows its progress line by line, and returns once
// every node is Ready. The supervisor generates the cluster's CA,
// certificates and per-component tokens on first start, runs etcd, the
// apiserver, the controller-manager, the scheduler, the cluster DNS and, for
// each node, a kubelet and a proxy as child processes with their own logs,
// restarts any that dies, and stops them all on SIGTERM (`skiff down`).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { etcdArgs, etcdBinary, waitHealthy } from './etcd.js';
import { ensureApiserverKubeletClientCert, ensureClientCert, ensureKubeletServingCert, ensureServingCert } from './pki.js';
import { clusterLayout, type ClusterLayout } from './layout.js';
import { isAlive, readState, runningCluster, writeState, type ClusterState } from './state.js';
import { Supervisor } from './supervisor.js';
import { ensureTokens } from './tokens.js';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { APISERVER_NODE_FLAGS, SCHEDULER_NODE_FLAGS } from './node-flags.js';

export interface UpOptions {
  home: string;
  kubeconfig: string;
  nodes: number;
  runtime: 'docker' | 'simulated';
  proxyMode?: 'userspace' | 'iptables';
  apiserverPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  logLevel: string;
  /** stay attached (the supervisor itself); otherwise start it in the background and follow it */
  foreground?: boolean;
  /** how long to wait for every node to be Ready */
  timeoutSeconds?: number;
  /** node names <prefix>-1, -2, ... (default skiff-node) */
  nodePrefix?: string;
  /** node IPs 127.0.<nodeNet>.<i> (default 1) */
  nodeNet?: number;
  /** first of the per-node health ports (default 10248, Kubernetes' kubelet healthz port) */
  nodePortBase?: number;
  /** let kubelets pull missing images from registries (off: a local cluster runs local images) */
  allowImagePull?: boolean;
  /** write certificates, tokens and kubeconfigs, start nothing (docker-compose runs the components) */
  prepareOnly?: boolean;
  /** extra flags per component, as k3s' --kube-apiserver-arg */
  apiserverArgs?: string[];
  controllerManagerArgs?: string[];
  schedulerArgs?: string[];
  kubeletArgs?: string[];
  proxyArgs?: string[];
  metricsServerArgs?: string[];
}

const READY_MARK = '==> ready';
/** the cluster DNS service address, Kubernetes' kube-dns convention (10th address of the service range) */
const CLUSTER_DNS_IP = '10.96.0.10';
/** the apiserver's default --service-cluster-ip-range */
export const SERVICE_CIDR = '10.96.0.0/12';
/** who holds the local route of the service range (markers under /run/skiff/local-routes) */
export const routeUser = (home: string) => `skiff up ${home}`;
const FAILED_MARK = 'error: ';
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const say = (msg: string) => process.stdout.write(`${msg}\n`);

/** `skiff up` as a user runs it: start the supervisor in the background and follow it to Ready. */
export async function up(opts: UpOptions): Promise<void> {
  if (opts.prepareOnly) {
    const prepared = prepareCluster(opts);
    say(`==> certificates, tokens and kubeconfigs in ${opts.home} for nodes ${prepared.layout.nodes.map((n) => n.name).join(', ')}`);
    return;
  }
  if (opts.foreground) return superviseCluster(opts);
  const running = runningCluster(opts.home);
  if (running) {
    say(`A Skiff cluster is already running from ${opts.home} (pid ${running.pid}, ${running.nodes.length} nodes); nothing changed.`);
    say(`  skiff status --home ${opts.home}    # its components`);
    return;
  }
  mkdirSync(join(opts.home, 'logs'), { recursive: true, mode: 0o700 });
  const logFile = join(opts.home, 'logs', 'up.log');
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  const out = openSync(logFile, 'a');
  const args = [CLI, 'up', '--foreground', ...forwardedFlags(opts)];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));

  const deadline = Date.now() + ((opts.timeoutSeconds ?? 300) + 30) * 1000;
  let pos = offset;
  let pending = '';
  for (;;) {
    const chunk = readFrom(logFile, pos);
    pos += chunk.length;
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      say(line);
      if (line.startsWith(READY_MARK)) {
        nextSteps(opts);
        return;
      }
    }
    if (exited !== null) throw new Error(`the cluster did not start (see ${logFile})`);
    if (Date.now() > deadline) throw new Error(`the cluster is not ready after ${opts.timeoutSeconds ?? 300}s (still starting; see ${logFile})`);
    await sleep(100);
  }
}

function readFrom(file: string, pos: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    if (size <= pos) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - pos);
    readSync(fd, buf, 0, buf.length, pos);
    return buf;
  } finally {
    closeSync(fd);
  }
}

function forwardedFlags(o: UpOptions): string[] {
  const f = [
    '--home', o.home,
    '--kubeconfig', o.kubeconfig,
    '--nodes', String(o.nodes),
    '--runtime', o.runtime,
    '--apiserver-port', String(o.apiserverPort),
    '--etcd-port', String(o.etcdPort),
    '--etcd-peer-port', String(o.etcdPeerPort),
    '--log-level', o.logLevel,
    '--timeout', String(o.timeoutSeconds ?? 300),
  ];
  if (o.proxyMode) f.push('--proxy-mode', o.proxyMode);
  if (o.nodePrefix) f.push('--node-prefix', o.nodePrefix);
  if (o.nodeNet !== undefined) f.push('--node-net', String(o.nodeNet));
  if (o.nodePortBase !== undefined) f.push('--node-port-base', String(o.nodePortBase));
  if (o.allowImagePull) f.push('--allow-image-pull');
  const extra: [string, string[] | undefined][] = [
    ['--apiserver-arg', o.apiserverArgs],
    ['--controller-manager-arg', o.controllerManagerArgs],
    ['--scheduler-arg', o.schedulerArgs],
    ['--kubelet-arg', o.kubeletArgs],
    ['--proxy-arg', o.proxyArgs],
    ['--metrics-server-arg', o.metricsServerArgs],
  ];
  for (const [flag, values] of extra) for (const v of values ?? []) f.push(`${flag}=${v}`);
  return f;
}

function nextSteps(o: UpOptions): void {
  const kc = o.kubeconfig;
  const manifests = join(REPO, 'manifests');
  say('');
  say(`Admin kubeconfig: ${kc}`);
  say(`Logs:             ${join(o.home, 'logs')}`);
  if (!onPath('skiff')) say(`skiff is not on your PATH: run \`npm link\` in ${REPO} once, or alias skiff="node ${CLI}"`);
  say('Try:');
  say(`  skiff get nodes`);
  say(`  skiff apply -f ${join(manifests, 'deployment.yaml')}`);
  say(`  skiff get pods -o wide`);
  say(`  kubectl --kubeconfig ${kc} get all`);
  say(`  skiff status     # components, pids, health, logs`);
  say(`  skiff down       # stop everything (data kept; --purge removes it)`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}

/** flags a component gets from --<component>-arg=--flag=value (or --flag value) */
function extraArgs(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => (v.startsWith('--') ? [v] : [`--${v}`]));
}

/** The supervisor: runs until SIGTERM/SIGINT, then stops every component it started. */
export async function superviseCluster(opts: UpOptions): Promise<void> {
  const layout = clusterLayout(opts);
  mkdirSync(layout.logs, { recursive: true, mode: 0o700 });
  const previous = readState(opts.home);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
    say(`A Skiff cluster is already running from ${opts.home} (pid ${previous.pid}); nothing changed.`);
    return;
  }
  const started = Date.now();
  const step = (msg: string) => say(`==> ${msg} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  const supervisors: Supervisor[] = [];
  const state: ClusterState = {
    pid: process.pid,
    home: opts.home,
    startedAt: new Date().toISOString(),
    apiserver: layout.apiserverURL,
    kubeconfig: opts.kubeconfig,
    runtime: opts.runtime,
    nodes: layout.nodes.map((n) => n.name),
    ready: false,
    components: [],
  };
  const health: Record<string, string> = {};
  const save = () => {
    state.components = supervisors.map((s) => ({
      name: s.name,
      pid: s.pid,
      logFile: s.logFile,
      restarts: s.restarts,
      ...(health[s.name] ? { health: health[s.name] } : {}),
    }));
    writeState(state);
  };
  const supervise = (name: string, command: string, args: string[], healthURL?: string): Supervisor => {
    if (healthURL) health[name] = healthURL;
    const s = new Supervisor({ name, logFile: join(layout.logs, `${name}.log`), command, args, onChange: save, say });
    supervisors.push(s);
    s.start();
    return s;
  };
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('==> stopping');
    for (const s of [...supervisors].reverse()) await s.stop();
    state.ready = false;
    save();
    state.pid = 0;
    writeState(state);
    say('==> stopped');
  };
  const signalled = new Promise<void>((resolve) => {
    const onSignal = () => void stopAll().then(resolve);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  save();

  try {
    step('certificates and tokens');
    const { ca, apiserverCert, kubeletCerts, kubeletClientCert, metrics, tokens, kubeconfigFor } = prepareCluster(opts);
    const caFile = join(layout.pki, 'ca.crt');
    const metricsURL = `https://127.0.0.1:${layout.metricsServerPort}`;

    // The service range is local before any component runs, so that no packet to a cluster IP can
    // ever follow the default route off this machine, even before the proxies have started.
    if (process.getuid?.() === 0) {
      const { claimLocalRoute } = await import('../../proxy/local-route.js');
      await claimLocalRoute(SERVICE_CIDR, routeUser(opts.home));
    } else {
      say(`warning: not root: the service range ${SERVICE_CIDR} is local only once a proxy running as root makes it so`);
    }

    if (opts.runtime === 'docker') {
      step('container images (scripts/build-images.sh)');
      await buildImages(join(layout.logs, 'images.log'));
    }

    step(`etcd (data in ${layout.etcdData})`);
    const etcdURL = `http://127.0.0.1:${opts.etcdPort}`;
    const etcd = supervise(
      'etcd',
      etcdBinary(),
      etcdArgs({ dataDir: layout.etcdData, clientPort: opts.etcdPort, peerPort: opts.etcdPeerPort, logLevel: 'warn' }),
      `${etcdURL}/health`,
    );
    await Promise.race([waitHealthy(etcdURL), exitedEarly(etcd)]);

    step(`apiserver on ${layout.apiserverURL}`);
    const apiserver = supervise(
      'apiserver',
      process.execPath,
      [
        ...APISERVER_NODE_FLAGS,
        CLI, 'apiserver',
        '--etcd-servers', etcdURL,
        '--secure-port', String(opts.apiserverPort),
        '--tls-cert-file', apiserverCert.certFile,
        '--tls-private-key-file', apiserverCert.keyFile,
        '--token-auth-file', join(opts.home, 'tokens.csv'),
        '--kubelet-client-certificate', kubeletClientCert.certFile,
        '--kubelet-client-key', kubeletClientCert.keyFile,
        '--metrics-server-url', metricsURL,
        '--metrics-server-ca-file', caFile,
        '--proxy-client-cert-file', metrics.frontProxyClient.certFile,
        '--proxy-client-key-file', metrics.frontProxyClient.keyFile,
        '--log-level', opts.logLevel,
        ...extraArgs(opts.apiserverArgs),
      ],
      `${layout.apiserverURL}/readyz`,
    );
    await Promise.race([waitReadyz(layout.apiserverURL, ca), exitedEarly(apiserver)]);

    step('controller-manager and scheduler');
    supervise(
      'controller-manager',
      process.execPath,
      [CLI, 'controller-manager', '--kubeconfig', kubeconfigFor('controller-manager'), '--port', String(layout.controllerManagerPort), '--log-level', opts.logLevel, ...extraArgs(opts.controllerManagerArgs)],
      `http://127.0.0.1:${layout.controllerManagerPort}/healthz`,
    );
    supervise(
      'scheduler',
      process.execPath,
      [...SCHEDULER_NODE_FLAGS, CLI, 'scheduler', '--kubeconfig', kubeconfigFor('scheduler'), '--port', String(layout.schedulerPort), '--log-level', opts.logLevel, ...extraArgs(opts.schedulerArgs)],
      `http://127.0.0.1:${layout.schedulerPort}/healthz`,
    );

    for (const node of layout.nodes) {
      step(`node ${node.name} on ${node.ip}: kubelet (${opts.runtime}) and proxy`);
      const cert = kubeletCerts[node.name]!;
      supervise(
        `kubelet-${node.name}`,
        process.execPath,
        [
          CLI, 'kubelet',
          '--kubeconfig', kubeconfigFor(`kubelet-${node.name}`),
          '--node-name', node.name,
          '--node-ip', node.ip,
          '--runtime', opts.runtime,
          '--root-dir', node.rootDir,
          '--port', String(node.kubeletPort),
          '--healthz-port', String(node.kubeletHealthzPort),
          '--tls-cert-file', cert.certFile,
          '--tls-private-key-file', cert.keyFile,
          '--client-ca-file', join(layout.pki, 'ca.crt'),
          `--allow-image-pull=${opts.allowImagePull ? 'true' : 'false'}`,
          '--cluster-dns', CLUSTER_DNS_IP,
          '--log-level', opts.logLevel,
          ...extraArgs(opts.kubeletArgs),
        ],
        `http://127.0.0.1:${node.kubeletHealthzPort}/healthz`,
      );
    }

    layout.nodes.forEach((node, i) => {
      supervise(
        `proxy-${node.name}`,
        process.execPath,
        [
          CLI, 'proxy',
          '--kubeconfig', kubeconfigFor(`proxy-${node.name}`),
          '--node-name', node.name,
          '--node-ip', node.ip,
          // service IPs are host-wide: one proxy per host serves them, every proxy its node's NodePorts
          `--cluster-ips=${i === 0 ? 'true' : 'false'}`,
          '--healthz-port', String(node.proxyHealthzPort),
          ...(opts.proxyMode ? ['--proxy-mode', opts.proxyMode] : []),
          '--log-level', opts.logLevel,
          ...extraArgs(opts.proxyArgs),
        ],
        `http://127.0.0.1:${node.proxyHealthzPort}/healthz`,
      );
    });

    step('metrics server');
    supervise(
      'metrics-server',
      process.execPath,
      [
        CLI, 'metrics-server',
        '--kubeconfig', kubeconfigFor('metrics-server'),
        '--kubelet-client-certificate', metrics.kubeletClient.certFile,
        '--kubelet-client-key', metrics.kubeletClient.keyFile,
        '--kubelet-certificate-authority', caFile,
        '--secure-port', String(layout.metricsServerPort),
        '--tls-cert-file', metrics.serving.certFile,
        '--tls-private-key-file', metrics.serving.keyFile,
        '--requestheader-client-ca-file', caFile,
        '--requestheader-allowed-names', 'front-proxy-client',
        '--log-level', opts.logLevel,
        ...extraArgs(opts.metricsServerArgs),
      ],
      `${metricsURL}/healthz`,
    );

    step(`cluster DNS on ${CLUSTER_DNS_IP}:53`);
    supervise(
      'dns',
      process.execPath,
      [CLI, 'dns', '--kubeconfig', kubeconfigFor('dns'), '--listen', `${CLUSTER_DNS_IP}:53`, '--healthz-port', String(layout.dnsHealthzPort), '--log-level', opts.logLevel],
      `http://127.0.0.1:${layout.dnsHealthzPort}/healthz`,
    );

    const want = layout.nodes.length;
    const client = new RestClient({ server: layout.apiserverURL, token: tokens.admin!, ca, namespace: 'default', contextName: 'skiff' }, { rateLimit: false });
    try {
      let seen = -1;
      const deadline = Date.now() + (opts.timeoutSeconds ?? 300) * 1000;
      for (;;) {
        const ready = await readyNodes(client, state.nodes).catch(() => 0);
        if (ready !== seen) {
          step(`nodes Ready: ${ready}/${want}`);
          seen = ready;
        }
        if (ready === want) break;
        if (stopping) return;
        if (Date.now() > deadline) throw new Error(`only ${ready} of ${want} nodes Ready after ${opts.timeoutSeconds ?? 300}s`);
        await sleep(200);
      }
    } finally {
      await client.close();
    }
    state.ready = true;
    save();
    say(`${READY_MARK}: ${want} node${want === 1 ? '' : 's'} Ready, apiserver at ${layout.apiserverURL} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  } catch (err) {
    say(`${FAILED_MARK}${(err as Error).message}`);
    await stopAll();
    process.exitCode = 1;
    return;
  }
  await signalled;
}

/** certificates, tokens and a kubeconfig per component: everything a cluster needs before a process starts */
export function prepareCluster(opts: UpOptions) {
  const layout = clusterLayout(opts);
  mkdirSync(layout.logs, { recursive: true, mode: 0o700 });
  const { ca, apiserverCert, kubeletCerts, kubeletClientCert, metrics } = ensurePki(layout);
  const components = ['admin', 'controller-manager', 'scheduler', 'dns', 'metrics-server', ...layout.nodes.flatMap((n) => [`kubelet-${n.name}`, `proxy-${n.name}`])];
  const tokens = ensureTokens(opts.home, components);
  const kubeconfigFor = (component: string) => {
    const file = join(opts.home, `${component}.kubeconfig`);
    writeKubeconfig(file, { server: layout.apiserverURL, token: tokens[component]!, ca, userName: component });
    return file;
  };
  for (const c of components) if (c !== 'admin') kubeconfigFor(c);
  writeKubeconfig(opts.kubeconfig, { server: layout.apiserverURL, token: tokens.admin!, ca });
  return { layout, ca, apiserverCert, kubeletCerts, kubeletClientCert, metrics, tokens, kubeconfigFor };
}

function ensurePki(layout: ClusterLayout) {
  const apiserverCert = ensureServingCert(layout.pki, 'apiserver', {
    dns: ['localhost', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ips: ['127.0.0.1', '10.96.0.1'],
  });
  const kubeletCerts = Object.fromEntries(
    layout.nodes.map((n) => [n.name, ensureKubeletServingCert(layout.pki, n.name, { dns: [n.name, 'localhost'], ips: [n.ip] })]),
  );
  // what the apiserver shows kubelets for logs, exec and attach
  const kubeletClientCert = ensureApiserverKubeletClientCert(layout.pki);
  // the metrics server: scrapes kubelets with its own client certificate, serves the apiserver (which
  // proxies metrics.k8s.io to it as the front proxy) with a serving certificate
  const metrics = {
    kubeletClient: ensureClientCert(layout.pki, 'metrics-server-kubelet-client', { commonName: 'system:metrics-server' }),
    frontProxyClient: ensureClientCert(layout.pki, 'front-proxy-client', { commonName: 'front-proxy-client' }),
    serving: ensureServingCert(layout.pki, 'metrics-server', { dns: ['localhost'], ips: ['127.0.0.1'] }),
  };
  const ca = readFileSync(join(layout.pki, 'ca.crt'), 'utf8');
  return { ca, apiserverCert, kubeletCerts, kubeletClientCert, metrics };
}

async function readyNodes(client: RestClient, names: string[]): Promise<number> {
  type NodeList = { items: { metadata: { name?: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
  const list = (await client.request<NodeList>('GET', '/api/v1/nodes')) as NodeList;
  return list.items.filter(
    (n) => names.includes(n.metadata.name ?? '') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

function exitedEarly(s: Supervisor): Promise<never> {
  return new Promise((_, reject) => {
    const t = setInterval(() => {
      if (s.crashed) {
        clearInterval(t);
        reject(new Error(`${s.name} exited at start: see ${s.logFile}`));
      }
    }, 100);
    t.unref();
  });
}

async function waitReadyz(url: string, ca: string, timeoutMs = 60_000): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    while (Date.now() < deadline) {
      try {
        const res = await request(`${url}/readyz`, { dispatcher: agent, headersTimeout: 1000, bodyTimeout: 1000 });
        const body = await res.body.text();
        if (res.statusCode === 200) return;
        last = body;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
  } finally {
    await agent.close();
  }
  throw new Error(`apiserver not ready after ${timeoutMs / 1000}s: ${last}`);
}

async function buildImages(logFile: string): Promise<void> {
  const script = join(REPO, 'scripts', 'build-images.sh');
  const out = openSync(logFile, 'a');
  try {
    const child = spawn('bash', [script], { stdio: ['ignore', out, out] });
    const code = await new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new Error(`building the local images failed (exit ${code}); see ${logFile}`);
  } finally {
    closeSync(out);
  }
}
