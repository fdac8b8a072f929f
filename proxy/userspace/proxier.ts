// The userspace proxier: for every service port with a ready endpoint, a
// listener on its cluster IP (when this proxy serves cluster IPs) and on the
// node IP at its node port (when it has one), each relaying to a balancer of
// the ready endpoints. A service port without a ready endpoint has no
// listener, so a connection to it is refused at once by the kernel, as the
// iptables proxier's REJECT does. Listeners open and close as services and
// endpoints change; connections already relayed are left to finish.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { LoadBalancer, type LoadBalancerOptions } from '../balancer/load-balancer.js';
import { readyEndpoints } from '../endpoints.js';
import type { ProxyMetrics } from '../metrics.js';
import { servicePortKey, type ServicePortInfo } from '../service-ports.js';
import type { ServiceState } from '../sources.js';
import { RelayStats } from './relay-stats.js';
import { relayTcp } from './tcp-relay.js';
import { UdpListener } from './udp-relay.js';

export interface UserspaceProxierOptions {
  nodeIP: string;
  /** serve cluster IPs (one proxy per host does); node ports are always served on nodeIP */
  clusterIPs: boolean;
  metrics: ProxyMetrics;
  log: Logger;
  /** default 1000 */
  connectTimeoutMs?: number;
  /** default 30000 */
  udpIdleTimeoutMs?: number;
  balancer?: LoadBalancerOptions;
}

export interface ListenerInfo {
  service: string;
  protocol: string;
  address: string;
}

interface Listener {
  close(): void;
}

class TcpListener implements Listener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(onConnection: (s: Socket) => void) {
    this.server = createServer({ allowHalfOpen: true }, (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      onConnection(s);
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true, backlog: 4096 }, () => {
        this.server.off('error', reject);
        this.server.on('error', () => {});
        resolve();
      });
    });
  }

  /** Stops accepting; connections in progress go on. */
  close(): void {
    this.server.close();
  }

  destroyConnections(): void {
    for (const s of this.sockets) s.destroy();
  }
}

class ServicePortProxy {
  readonly lb: LoadBalancer;
  readonly stats: RelayStats;
  /** "ip:port" -> listener */
  readonly listeners = new Map<string, Listener>();
  /** addresses whose last open failed, with the error already logged */
  readonly failed = new Map<string, string>();

  constructor(
    public info: ServicePortInfo,
    metrics: ProxyMetrics,
    balancer: LoadBalancerOptions | undefined,
  ) {
    this.lb = new LoadBalancer(info.policy, balancer);
    this.stats = new RelayStats(metrics, info.name, info.protocol);
  }
}

export class UserspaceProxier {
  private readonly ports = new Map<string, ServicePortProxy>();
  private readonly connectTimeoutMs: number;
  private readonly udpIdleTimeoutMs: number;
  private stopped = false;

  constructor(private readonly opts: UserspaceProxierOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.udpIdleTimeoutMs = opts.udpIdleTimeoutMs ?? 30_000;
  }

  async sync(state: ServiceState): Promise<void> {
    if (this.stopped) return;
    const started = process.hrtime.bigint();
    const seen = new Set<string>();
    const opening: Promise<void>[] = [];
    for (const info of state.ports) {
      if (info.protocol === 'SCTP') continue;
      const key = servicePortKey(info);
      seen.add(key);
      let sp = this.ports.get(key);
      if (!sp) {
        sp = new ServicePortProxy(info, this.opts.metrics, this.opts.balancer);
        this.ports.set(key, sp);
      }
      sp.info = info;
      const ready = readyEndpoints(state.endpoints.get(key) ?? []);
      sp.lb.update(ready, info.policy, info.affinitySeconds);
      opening.push(this.reconcileListeners(sp, ready.length > 0 ? this.addressesOf(info) : []));
    }
    for (const [key, sp] of this.ports) {
      if (seen.has(key)) continue;
      for (const l of sp.listeners.values()) l.close();
      this.ports.delete(key);
    }
    await Promise.all(opening);
    this.opts.metrics.servicePorts.set(this.ports.size);
    this.opts.metrics.syncDuration.observe({ mode: 'userspace' }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Every address listened on now. */
  listeners(): ListenerInfo[] {
    const out: ListenerInfo[] = [];
    for (const sp of this.ports.values()) {
      for (const address of sp.listeners.keys()) out.push({ service: sp.info.name, protocol: sp.info.protocol, address });
    }
    return out.sort((a, b) => a.address.localeCompare(b.address));
  }

  /** The balancer of a service port (tests and benchmarks look at its backends). */
  balancer(name: string, protocol = 'TCP'): LoadBalancer | undefined {
    return this.ports.get(`${name}/${protocol}`)?.lb;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const sp of this.ports.values()) {
      for (const l of sp.listeners.values()) {
        l.close();
        if (l instanceof TcpListener) l.destroyConnections();
      }
    }
    this.ports.clear();
  }

  private addressesOf(info: ServicePortInfo): string[] {
    const out: string[] = [];
    if (this.opts.clusterIPs && info.clusterIP) out.push(`${info.clusterIP}:${info.port}`);
    if (info.nodePort) out.push(`${this.opts.nodeIP}:${info.nodePort}`);
    return out;
  }

  private async reconcileListeners(sp: ServicePortProxy, want: string[]): Promise<void> {
    for (const [addr, l] of sp.listeners) {
      if (!want.includes(addr)) {
        l.close();
        sp.listeners.delete(addr);
      }
    }
    for (const addr of sp.failed.keys()) if (!want.includes(addr)) sp.failed.delete(addr);
    await Promise.all(want.filter((a) => !sp.listeners.has(a)).map((addr) => this.open(sp, addr)));
  }

  private async open(sp: ServicePortProxy, addr: string): Promise<void> {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    const listener =
      sp.info.protocol === 'UDP'
        ? new UdpListener({ lb: sp.lb, stats: sp.stats, idleTimeoutMs: this.udpIdleTimeoutMs })
        : new TcpListener((s) => relayTcp(s, { lb: sp.lb, stats: sp.stats, connectTimeoutMs: this.connectTimeoutMs }));
    // claimed before the bind completes, so a sync running meanwhile does not open it twice
    sp.listeners.set(addr, listener);
    try {
      await listener.listen(host, port);
      if (sp.failed.delete(addr)) this.opts.log.info({ service: sp.info.name, address: addr }, 'listening after earlier failure');
      if (this.stopped || sp.listeners.get(addr) !== listener) listener.close();
      else this.opts.log.debug({ service: sp.info.name, protocol: sp.info.protocol, address: addr }, 'listening');
    } catch (err) {
      if (sp.listeners.get(addr) === listener) sp.listeners.delete(addr);
      const msg = err instanceof Error ? err.message : String(err);
      if (sp.failed.get(addr) !== msg) {
        this.opts.log.error({ service: sp.info.name, protocol: sp.info.protocol, address: addr, err: msg }, 'cannot listen; retried on the next sync');
      }
      sp.failed.set(addr, msg);
    }
  }
}
