// UDP through the userspace proxy: one socket on the service address, and per
// client (address and port) a session with its own socket connected to the
// backend chosen for it, so that answers go back to the right client and the
// kernel reports a backend's ICMP "port unreachable" as an error. A session
// ends after idleTimeoutMs without traffic. A backend that refuses cools
// down, and the client's last datagram is sent again to another backend.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Backend } from '../balancer/backend.js';
import type { LoadBalancer } from '../balancer/load-balancer.js';
import type { RelayStats } from './relay-stats.js';

export interface UdpRelayContext {
  lb: LoadBalancer;
  stats: RelayStats;
  idleTimeoutMs: number;
}

export class UdpListener {
  private socket: Socket | undefined;
  private readonly sessions = new Map<string, UdpSession>();

  constructor(private readonly ctx: UdpRelayContext) {}

  listen(host: string, port: number): Promise<void> {
    const socket = createSocket('udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
        this.socket = socket;
        resolve();
      });
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    for (const s of [...this.sessions.values()]) s.close();
    this.socket?.close();
    this.socket = undefined;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    const session = this.sessions.get(key) ?? this.open(rinfo, new Set());
    session?.send(msg);
  }

  /** A session for this client on a backend not in `tried`; undefined (datagram dropped) when none is left. */
  open(client: RemoteInfo, tried: Set<string>): UdpSession | undefined {
    const b = this.ctx.lb.pick(client.address, tried);
    if (!b) {
      this.ctx.stats.refused.inc();
      return undefined;
    }
    tried.add(b.key);
    const s = new UdpSession(this, this.ctx, client, b, tried);
    this.sessions.set(s.key, s);
    this.ctx.stats.connections.inc();
    this.ctx.stats.udpSessions(1);
    return s;
  }

  /** Sends an answer from a backend to the client, from the service address the client wrote to. */
  reply(msg: Buffer, client: RemoteInfo): void {
    this.socket?.send(msg, client.port, client.address);
  }

  forget(s: UdpSession): void {
    if (this.sessions.get(s.key) === s) {
      this.sessions.delete(s.key);
      this.ctx.stats.udpSessions(-1);
    }
  }
}

class UdpSession {
  readonly key: string;
  private readonly upstream: Socket;
  private connected = false;
  private closed = false;
  private queue: Buffer[] = [];
  private last: Buffer | undefined;
  private lastActive = Date.now();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly listener: UdpListener,
    private readonly ctx: UdpRelayContext,
    private readonly client: RemoteInfo,
    private readonly backend: Backend,
    private readonly tried: Set<string>,
  ) {
    this.key = `${client.address}:${client.port}`;
    ctx.lb.begin(backend);
    const started = Date.now();
    this.upstream = createSocket('udp4');
    this.upstream.on('message', (msg) => {
      this.touch();
      ctx.stats.bytesOut.inc(msg.length);
      listener.reply(msg, client);
    });
    this.upstream.on('error', (err) => this.refused(err));
    this.upstream.connect(backend.port, backend.ip, () => {
      this.connected = true;
      ctx.lb.connected(backend, client.address, Date.now() - started);
      const q = this.queue;
      this.queue = [];
      for (const m of q) this.upstream.send(m);
    });
    this.timer = setTimeout(() => this.checkIdle(), ctx.idleTimeoutMs);
  }

  send(msg: Buffer): void {
    if (this.closed) return;
    this.touch();
    this.last = msg;
    this.ctx.stats.bytesIn.inc(msg.length);
    if (this.connected) this.upstream.send(msg);
    else this.queue.push(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.upstream.close();
    this.ctx.lb.end(this.backend);
    this.listener.forget(this);
  }

  private refused(err: Error): void {
    if (this.closed) return;
    this.ctx.lb.failed(this.backend);
    this.ctx.stats.backendError(this.backend.key, (err as NodeJS.ErrnoException).code ?? err.message);
    const resend = [...this.queue, ...(this.connected && this.last ? [this.last] : [])];
    this.close();
    const next = this.listener.open(this.client, this.tried);
    for (const m of resend) next?.send(m);
  }

  private touch(): void {
    this.lastActive = Date.now();
  }

  private checkIdle(): void {
    const idle = Date.now() - this.lastActive;
    if (idle >= this.ctx.idleTimeoutMs) this.close();
    else this.timer = setTimeout(() => this.checkIdle(), this.ctx.idleTimeoutMs - idle);
  }
}
