// `skiff dns`: the cluster DNS, one per cluster (as CoreDNS), answering the
// cluster zone from Service and EndpointSlice informers. Listening on an
// address in the service range (10.96.0.10 by default) needs that range local
// to the host, which it makes sure of.
import type { Logger } from 'pino';
import { serveHealth, type HealthServer } from '../../src/component/health-server.js';
import { untilShutdown } from '../../src/component/shutdown.js';
import { RestClient, SharedInformerFactory } from '../../src/client/index.js';
import { createLogger } from '../../src/log.js';
import { cidrContains, isIPv4, parseCidr } from '../cidr.js';
import { claimLocalRoute, defaultServiceCIDR, releaseLocalRoute } from '../local-route.js';
import { serviceInformers } from '../sources.js';
import { DnsServer, type ListenAddress } from './server.js';
import { parseUpstream, upstreamForwarder } from './upstream.js';
import { ClusterZone } from './zone.js';

export const defaultDnsListen = '10.96.0.10:53';
export const defaultDnsHealthzPort = 10255;

export interface DnsFlags {
  kubeconfig?: string;
  listen?: string[];
  clusterDomain?: string;
  healthzPort?: number;
  upstream?: string;
  serviceCidr?: string;
  logLevel?: string;
}

export interface DnsOptions {
  client: RestClient;
  listen: ListenAddress[];
  clusterDomain: string;
  serviceCIDR: string;
  /** a resolver on loopback for names outside the cluster zone; without one they are REFUSED */
  upstream?: string;
  healthzPort: number;
  log: Logger;
  /** add the local route when an address is in the service range (default true) */
  manageRoute?: boolean;
  /** where users of the local route are recorded (default /run/skiff/local-routes) */
  routeClaimsDir?: string;
}

export interface RunningDns {
  addresses: readonly ListenAddress[];
  healthAddress: string | undefined;
  zone: ClusterZone;
  stop(): Promise<void>;
}

export function parseListen(text: string): ListenAddress {
  const i = text.lastIndexOf(':');
  const host = text.slice(0, i);
  const port = Number(text.slice(i + 1));
  if (i < 0 || !isIPv4(host) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen must be IPv4:PORT such as 10.96.0.10:53, got "${text}"`);
  }
  return { host, port };
}

export async function startDns(o: DnsOptions): Promise<RunningDns> {
  const cidr = parseCidr(o.serviceCIDR);
  const forward = o.upstream ? upstreamForwarder(parseUpstream(o.upstream)) : undefined;
  // the DNS holds the route while it runs; a proxy's claim keeps it beyond that
  const routeUser = `dns ${process.pid} ${o.listen.map((l) => `${l.host}:${l.port}`).join(',')}`;
  const claimsRoute = o.manageRoute !== false && o.listen.some((l) => cidrContains(cidr, l.host));
  if (claimsRoute) {
    await claimLocalRoute(o.serviceCIDR, routeUser, o.routeClaimsDir);
    o.log.info({ serviceCIDR: o.serviceCIDR }, 'service range is local to this host');
  }
  const release = async (): Promise<void> => {
    if (claimsRoute) await releaseLocalRoute(o.serviceCIDR, routeUser, o.routeClaimsDir);
  };
  const factory = new SharedInformerFactory(o.client, {
    onError: (err) => o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'informer'),
  });
  const inf = serviceInformers(factory);
  const zone = new ClusterZone(inf.sources, { domain: o.clusterDomain });
  const server = new DnsServer({ zone, ...(forward ? { forward } : {}), log: o.log });
  let health: HealthServer | undefined;
  factory.start();
  try {
    if (!(await factory.waitForCacheSync())) throw new Error('informers stopped before syncing');
    for (const l of o.listen) await server.listen(l.host, l.port);
    health = o.healthzPort > 0 ? await serveHealth(server.metrics.registry, o.healthzPort) : undefined;
  } catch (err) {
    factory.shutdown();
    await server.close();
    await release();
    throw err;
  }
  return {
    addresses: server.addresses,
    healthAddress: health?.address,
    zone,
    async stop() {
      factory.shutdown();
      await server.close();
      await health?.close();
      await release();
    },
  };
}

/** `skiff dns` */
export async function runDns(flags: DnsFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const log = createLogger('dns', flags.logLevel ?? 'info');
  const listen = (flags.listen?.length ? flags.listen : [defaultDnsListen]).map(parseListen);
  const client = RestClient.fromKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {}, { userAgent: 'skiff-dns' });
  const dns = await startDns({
    client,
    listen,
    clusterDomain: flags.clusterDomain ?? 'cluster.local',
    serviceCIDR: flags.serviceCidr ?? defaultServiceCIDR,
    ...(flags.upstream ? { upstream: flags.upstream } : {}),
    healthzPort: flags.healthzPort ?? defaultDnsHealthzPort,
    log,
  });
  log.info(
    { listen: dns.addresses.map((a) => `${a.host}:${a.port}`), clusterDomain: dns.zone.domain, ...(dns.healthAddress ? { serving: dns.healthAddress } : {}) },
    'cluster DNS started',
  );
  await untilShutdown(log, opts.signal);
  await dns.stop();
  await client.close();
  log.info('cluster DNS stopped');
}
