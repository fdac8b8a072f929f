// `skiff kubelet`: flags to options, the runtime, the kubelet server (logs,
// exec, stats), the health and metrics server, and the process around them
// (signals, exit). With --hollow-nodes it runs that many simulated kubelets
// in this one process instead.
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Taint } from '../src/api/core/v1.js';
import { RestClient } from '../src/client/index.js';
import { serveHealth, type HealthServer } from '../src/component/health-server.js';
import { untilShutdown } from '../src/component/shutdown.js';
import { createLogger } from '../src/log.js';
import { runHollowNodes } from './hollow.js';
import { Kubelet, type KubeletTiming } from './kubelet.js';
import { KubeletMetrics } from './metrics.js';
import type { ContainerRuntime } from './runtime/interface.js';

export interface KubeletFlags {
  kubeconfig?: string;
  /** default: this machine's hostname */
  nodeName?: string;
  /** default 127.0.0.1 */
  nodeIp?: string;
  runtime?: 'docker' | 'simulated';
  /** default ~/.skiff/kubelet/<node> */
  rootDir?: string;
  /** kubelet server port (logs, exec, stats); default 10250; 0 = off */
  port?: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  /** comma-separated cluster DNS server IPs */
  clusterDns?: string;
  /** default cluster.local */
  clusterDomain?: string;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  /** k=v,k2=v2 */
  nodeLabels?: string;
  /** default true */
  allowImagePull?: boolean;
  /** key=value:Effect,key2:Effect */
  registerWithTaints?: string;
  /** /healthz and /metrics on 127.0.0.1; 0 or absent = off */
  healthzPort?: number;
  logLevel?: string;
  /** run this many simulated kubelets named <node-name>-<i> in this process */
  hollowNodes?: number;
  pauseImage?: string;
  /** Go durations ("500ms", "10s", "1m"): */
  nodeStatusUpdateFrequency?: string;
  nodeStatusReportFrequency?: string;
  nodeLeaseRenewInterval?: string;
  nodeLeaseDurationSeconds?: number;
  syncFrequency?: string;
  containerRestartBackoff?: string;
  containerRestartBackoffMax?: string;
  imagePullBackoff?: string;
  imagePullBackoffMax?: string;
}

/** Go's time.ParseDuration for the units kubelet flags use (ms, s, m, h), e.g. "1m30s". */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '0') return 0;
  if (matched === 0 || matched !== s.length) throw new Error(`time: invalid duration "${s}"`);
  return Math.round(total);
}

/** "k=v,k2=v2" */
export function parseLabels(s: string | undefined): Record<string, string> | undefined {
  if (!s) return undefined;
  const out: Record<string, string> = {};
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid --node-labels entry "${part}": want key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** "key=value:Effect,key:Effect" as Kubernetes' --register-with-taints. */
export function parseTaints(s: string | undefined): Taint[] | undefined {
  if (!s) return undefined;
  const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
  return s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(part);
      if (!m || !effects.has(m[3]!)) throw new Error(`invalid taint spec "${part}": want key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
      return { key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3]! };
    });
}

export function timingFromFlags(flags: KubeletFlags): Partial<KubeletTiming> {
  const t: Partial<KubeletTiming> = {};
  const d = (v: string | undefined): number | undefined => (v === undefined ? undefined : parseDuration(v));
  const statusUpdate = d(flags.nodeStatusUpdateFrequency);
  if (statusUpdate !== undefined) t.nodeStatusUpdateMs = statusUpdate;
  const statusReport = d(flags.nodeStatusReportFrequency);
  if (statusReport !== undefined) t.nodeStatusReportMs = statusReport;
  const lease = d(flags.nodeLeaseRenewInterval);
  if (lease !== undefined) t.leaseRenewMs = lease;
  if (flags.nodeLeaseDurationSeconds !== undefined) t.leaseDurationSeconds = flags.nodeLeaseDurationSeconds;
  const sync = d(flags.syncFrequency);
  if (sync !== undefined) t.resyncMs = sync;
  const crash = d(flags.containerRestartBackoff);
  const crashMax = d(flags.containerRestartBackoffMax);
  if (crash !== undefined || crashMax !== undefined) t.crashBackoff = { initialMs: crash ?? 10_000, maxMs: crashMax ?? Math.max(300_000, crash ?? 0) };
  const pull = d(flags.imagePullBackoff);
  const pullMax = d(flags.imagePullBackoffMax);
  if (pull !== undefined || pullMax !== undefined) t.imageBackoff = { initialMs: pull ?? 10_000, maxMs: pullMax ?? Math.max(300_000, pull ?? 0) };
  return t;
}

async function makeRuntime(flags: KubeletFlags, nodeName: string, nodeIP: string, log: Logger): Promise<ContainerRuntime> {
  if ((flags.runtime ?? 'docker') === 'simulated') {
    const { SimulatedRuntime } = await import('./runtime/simulated.js');
    return new SimulatedRuntime({ nodeName, nodeIP });
  }
  const { DockerRuntime } = await import('./runtime/docker.js');
  return new DockerRuntime({
    nodeName,
    nodeIP,
    allowPull: flags.allowImagePull ?? true,
    ...(flags.pauseImage ? { pauseImage: flags.pauseImage } : {}),
    log,
  });
}

/**
 * Runs the kubelet until SIGTERM or SIGINT (or the signal given). Stopping
 * leaves the pods' containers running: a kubelet started again adopts them.
 */
export async function runKubelet(flags: KubeletFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const log = createLogger('kubelet', flags.logLevel ?? 'info');
  const nodeName = (flags.nodeName ?? hostname()).toLowerCase();
  const nodeIP = flags.nodeIp ?? '127.0.0.1';
  const hollow = flags.hollowNodes ?? 0;
  const client = RestClient.fromKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {}, {
    userAgent: `skiff-kubelet/${nodeName}`,
    ...(hollow > 0 ? { rateLimit: false, connections: 64 } : { qps: 50, burst: 100 }),
  });
  const metrics = new KubeletMetrics();
  let health: HealthServer | undefined;
  if (flags.healthzPort) health = await serveHealth(metrics.registry, flags.healthzPort);

  const common = {
    ...(flags.clusterDns ? { clusterDNS: flags.clusterDns.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    clusterDomain: flags.clusterDomain ?? 'cluster.local',
    ...(flags.cpu ? { cpu: flags.cpu } : {}),
    ...(flags.memory ? { memory: flags.memory } : {}),
    ...(flags.maxPods !== undefined ? { maxPods: flags.maxPods } : {}),
    ...(parseLabels(flags.nodeLabels) ? { nodeLabels: parseLabels(flags.nodeLabels)! } : {}),
    ...(parseTaints(flags.registerWithTaints) ? { registerWithTaints: parseTaints(flags.registerWithTaints)! } : {}),
    timing: timingFromFlags(flags),
    metrics,
  };

  if (hollow > 0) {
    const nodes = await runHollowNodes({ client, count: hollow, prefix: nodeName, log, kubeletPort: flags.port ?? 10250, ...common });
    log.info({ nodes: hollow, prefix: nodeName, server: client.config.server }, 'hollow nodes started');
    await untilShutdown(log, opts.signal);
    await nodes.stop();
    await health?.close();
    await client.close();
    log.info('hollow nodes stopped');
    return;
  }

  const runtime = await makeRuntime(flags, nodeName, nodeIP, log);
  const kubelet = new Kubelet({
    client,
    runtime,
    nodeName,
    nodeIP,
    kubeletPort: flags.port ?? 10250,
    rootDir: flags.rootDir ?? join(homedir(), '.skiff', 'kubelet', nodeName),
    log,
    ...common,
  });

  let server: { start(): Promise<string>; stop(): Promise<void> | void } | undefined;
  if ((flags.port ?? 10250) > 0) {
    const { KubeletServer } = await import('./server/server.js');
    const tls = flags.tlsCertFile && flags.tlsPrivateKeyFile ? { cert: readFileSync(flags.tlsCertFile), key: readFileSync(flags.tlsPrivateKeyFile) } : undefined;
    server = new KubeletServer({
      runtime: kubelet.runtime,
      nodeName,
      host: nodeIP,
      port: flags.port ?? 10250,
      ...(tls ? { tls } : {}),
      ...(flags.clientCaFile ? { clientCaFile: flags.clientCaFile } : {}),
      pods: () => kubelet.pods(),
      log,
    });
  }

  const stopping = untilShutdown(log, opts.signal);
  const serving = server ? await server.start() : undefined;
  const started = kubelet.start();
  await Promise.race([started, stopping]);
  log.info({ node: nodeName, server: client.config.server, ...(serving ? { serving } : {}), ...(health ? { health: health.address } : {}) }, 'kubelet running');
  await stopping;
  await kubelet.stop();
  await started.catch(() => undefined);
  await server?.stop();
  await runtime.close();
  await health?.close();
  await client.close();
  log.info('kubelet stopped');
}
