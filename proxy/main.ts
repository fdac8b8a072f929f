// `skiff proxy`: the service proxy of one node. It watches Services and
// EndpointSlices through one SharedInformerFactory, makes the service range
// local (when it serves cluster IPs), and keeps either userspace listeners or
// iptables rules in step with the ready endpoints. `--cleanup` removes what
// a proxy of that node left on the host.
import type { Logger } from 'pino';
import { serveHealth, type HealthServer } from '../src/component/health-server.js';
import { untilShutdown } from '../src/component/shutdown.js';
import { RestClient, SharedInformerFactory } from '../src/client/index.js';
import { createLogger } from '../src/log.js';
import { isIPv4, parseCidr } from './cidr.js';
import { detectIptables, iptablesRunner, type IptablesRunner } from './iptables/iptables-exec.js';
import { RouteLocalnet } from './iptables/localnet.js';
import { cleanupIptables, IptablesProxier } from './iptables/proxier.js';
import { claimLocalRoute, defaultServiceCIDR, releaseLocalRoute } from './local-route.js';
import { ProxyMetrics } from './metrics.js';
import { serviceInformers, serviceState } from './sources.js';
import { SyncRunner } from './sync-runner.js';
import { UserspaceProxier, type UserspaceProxierOptions } from './userspace/proxier.js';

export type ProxyMode = 'userspace' | 'iptables';

export { defaultServiceCIDR } from './local-route.js';
export const defaultProxyHealthzPort = 10256;

export interface ProxyFlags {
  kubeconfig?: string;
  nodeName?: string;
  nodeIp?: string;
  proxyMode?: ProxyMode;
  serviceCidr?: string;
  clusterIps?: boolean;
  healthzPort?: number;
  cleanup?: boolean;
  logLevel?: string;
}

export interface ProxyOptions {
  client: RestClient;
  nodeName: string;
  nodeIP: string;
  mode: ProxyMode;
  serviceCIDR: string;
  /** serve cluster IPs and keep the service range local: one proxy per host does */
  clusterIPs: boolean;
  /** /healthz and /metrics on 127.0.0.1; 0 = off */
  healthzPort: number;
  log: Logger;
  /** iptables mode: how iptables is run (a network namespace of one's own in tests) */
  iptables?: IptablesRunner;
  localnet?: RouteLocalnet;
  /** add the local route for the service range (default true when serving cluster IPs) */
  manageRoute?: boolean;
  /** where users of the local route are recorded (default /run/skiff/local-routes) */
  routeClaimsDir?: string;
  userspace?: Pick<UserspaceProxierOptions, 'connectTimeoutMs' | 'udpIdleTimeoutMs' | 'balancer'>;
  /** least time between two syncs; default 1 s in iptables mode, none in userspace mode */
  minSyncIntervalMs?: number;
  /** gives up waiting for the first sync when aborted */
  signal?: AbortSignal;
}

export interface RunningProxy {
  mode: ProxyMode;
  metrics: ProxyMetrics;
  /** http://127.0.0.1:PORT when the health server runs */
  healthAddress: string | undefined;
  userspace: UserspaceProxier | undefined;
  iptables: IptablesProxier | undefined;
  /** resolves once the latest change seen has been synced */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** iptables when running as root with iptables-restore at hand, else userspace. */
export async function defaultProxyMode(): Promise<ProxyMode> {
  if (process.getuid?.() !== 0) return 'userspace';
  return (await detectIptables()) ? 'iptables' : 'userspace';
}

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  parseCidr(o.serviceCIDR);
  if (!isIPv4(o.nodeIP)) throw new Error(`--node-ip must be an IPv4 address, got "${o.nodeIP}"`);
  const metrics = new ProxyMetrics({ defaultMetrics: true });
  let userspace: UserspaceProxier | undefined;
  let iptables: IptablesProxier | undefined;
  if (o.mode === 'iptables') {
    let runner = o.iptables;
    if (!runner) {
      const tools = await detectIptables();
      if (!tools) throw new Error('iptables mode needs iptables and iptables-restore; use --proxy-mode=userspace');
      runner = iptablesRunner(tools);
      o.log.info({ iptables: tools.version, restore: tools.restore }, 'using iptables');
    }
    iptables = new IptablesProxier({
      node: o.nodeName,
      nodeIP: o.nodeIP,
      clusterIPs: o.clusterIPs,
      runner,
      metrics,
      log: o.log,
      localnet: o.localnet ?? new RouteLocalnet(),
    });
  } else {
    userspace = new UserspaceProxier({ nodeIP: o.nodeIP, clusterIPs: o.clusterIPs, metrics, log: o.log, ...o.userspace });
  }

  if (o.clusterIPs && o.manageRoute !== false) {
    await claimLocalRoute(o.serviceCIDR, routeUser(o.nodeName), o.routeClaimsDir);
    o.log.info({ serviceCIDR: o.serviceCIDR }, 'service range is local to this host');
  }

  const factory = new SharedInformerFactory(o.client, {
    onError: (err) => o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'informer'),
  });
  const inf = serviceInformers(factory);
  const proxier = (iptables ?? userspace)!;
  const runner = new SyncRunner(() => proxier.sync(serviceState(inf.sources)), {
    minIntervalMs: o.minSyncIntervalMs ?? (o.mode === 'iptables' ? 1000 : 0),
    periodMs: 30_000,
    onError: (err) => {
      metrics.syncErrors.inc({ mode: o.mode });
      o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'sync failed; retried');
    },
  });
  const stopWatching = inf.onChange(() => {
    if (inf.services.hasSynced() && inf.slices.hasSynced()) runner.request();
  });
  factory.start();
  let health: HealthServer | undefined;
  try {
    if (!(await factory.waitForCacheSync(o.signal))) throw new Error('stopped before the informers synced');
    runner.start();
    await runner.idle();
    health = o.healthzPort > 0 ? await serveHealth(metrics.registry, o.healthzPort) : undefined;
  } catch (err) {
    stopWatching();
    factory.shutdown();
    await runner.stop();
    await userspace?.stop();
    throw err;
  }

  return {
    mode: o.mode,
    metrics,
    healthAddress: health?.address,
    userspace,
    iptables,
    settled: () => runner.idle(),
    async stop() {
      stopWatching();
      factory.shutdown();
      await runner.stop();
      await userspace?.stop();
      await health?.close();
    },
  };
}

export interface CleanupOptions {
  nodeName: string;
  clusterIPs: boolean;
  serviceCIDR: string;
  log: Logger;
  iptables?: IptablesRunner;
  localnet?: RouteLocalnet;
  manageRoute?: boolean;
  routeClaimsDir?: string;
}

/** how a node's proxy is recorded among the users of the local route */
const routeUser = (node: string): string => `proxy ${node}`;

/**
 * Removes what a proxy of this node left: its iptables chains and jumps, and
 * (for the proxy that served cluster IPs) its claim on the local route, which
 * goes once no other user is left. route_localnet goes back off once no proxy
 * has node-port chains left.
 */
export async function cleanupProxy(o: CleanupOptions): Promise<void> {
  let runner = o.iptables;
  if (!runner && process.getuid?.() === 0) {
    const tools = await detectIptables();
    if (tools) runner = iptablesRunner(tools);
  }
  if (runner) {
    const result = await cleanupIptables({ node: o.nodeName, runner });
    o.log.info({ removed: result.removed }, 'iptables chains removed');
    if (!result.nodePortChainsLeft) {
      const devices = (o.localnet ?? new RouteLocalnet()).restoreAll();
      if (devices.length) o.log.info({ interfaces: devices }, 'route_localnet switched back off');
    }
  }
  if (o.clusterIPs && o.manageRoute !== false) {
    const { removed, users } = await releaseLocalRoute(o.serviceCIDR, routeUser(o.nodeName), o.routeClaimsDir);
    if (removed) o.log.info({ serviceCIDR: o.serviceCIDR }, 'local route removed');
    else if (users.length) o.log.info({ serviceCIDR: o.serviceCIDR, users }, 'local route kept for its other users');
  }
}

/** `skiff proxy` */
export async function runProxy(flags: ProxyFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const log = createLogger('proxy', flags.logLevel ?? 'info');
  const { hostname } = await import('node:os');
  const nodeName = flags.nodeName ?? hostname();
  const serviceCIDR = flags.serviceCidr ?? defaultServiceCIDR;
  const clusterIPs = flags.clusterIps ?? true;
  if (flags.cleanup) {
    await cleanupProxy({ nodeName, clusterIPs, serviceCIDR, log });
    return;
  }
  const client = RestClient.fromKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {}, { userAgent: 'skiff-proxy' });
  const mode = flags.proxyMode ?? (await defaultProxyMode());
  const proxy = await startProxy({
    client,
    nodeName,
    nodeIP: flags.nodeIp ?? '127.0.0.1',
    mode,
    serviceCIDR,
    clusterIPs,
    healthzPort: flags.healthzPort ?? defaultProxyHealthzPort,
    log,
  });
  log.info({ node: nodeName, mode, clusterIPs, ...(proxy.healthAddress ? { serving: proxy.healthAddress } : {}) }, 'proxy started');
  await untilShutdown(log, opts.signal);
  await proxy.stop();
  await client.close();
  log.info('proxy stopped');
}
