// The cluster DNS server: the same handler behind a UDP socket and a TCP
// listener (two-byte length framing, several queries per connection) on each
// address given.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import { handleQuery, type Forwarder, type Transport } from './messages.js';
import type { ClusterZone } from './zone.js';

export class DnsMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'skiff_dns_requests_total',
    help: 'DNS queries answered, per transport and record type',
    labelNames: ['proto', 'type'],
    registers: [this.registry],
  });
  readonly responses = new Counter({
    name: 'skiff_dns_responses_total',
    help: 'DNS answers per rcode (FORWARDED: passed on to the upstream)',
    labelNames: ['rcode'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'skiff_dns_request_duration_seconds',
    help: 'Time to answer a DNS query',
    labelNames: ['proto'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2],
    registers: [this.registry],
  });
}

export interface DnsServerOptions {
  zone: ClusterZone;
  forward?: Forwarder;
  log: Logger;
  metrics?: DnsMetrics;
  /** a TCP connection with no query for this long is closed; default 10 s */
  tcpIdleTimeoutMs?: number;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export class DnsServer {
  readonly metrics: DnsMetrics;
  private readonly udp: UdpSocket[] = [];
  private readonly tcp: Server[] = [];
  private readonly conns = new Set<Socket>();
  private readonly bound: ListenAddress[] = [];

  constructor(private readonly opts: DnsServerOptions) {
    this.metrics = opts.metrics ?? new DnsMetrics();
  }

  get addresses(): readonly ListenAddress[] {
    return this.bound;
  }

  /** Listens on UDP and TCP at host:port; port 0 picks one free for both. */
  async listen(host: string, port: number): Promise<ListenAddress> {
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const chosen = udp.address().port;
      try {
        const tcp = await this.bindTcp(host, chosen);
        this.udp.push(udp);
        this.tcp.push(tcp);
        const addr = { host, port: chosen };
        this.bound.push(addr);
        return addr;
      } catch (err) {
        udp.close();
        // the port picked for UDP was taken for TCP: pick again
        if (port !== 0 || attempt >= 5) throw err;
      }
    }
  }

  async close(): Promise<void> {
    for (const u of this.udp) u.close();
    for (const c of this.conns) c.destroy();
    await Promise.all(this.tcp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.udp.length = 0;
    this.tcp.length = 0;
  }

  private async answer(query: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const started = process.hrtime.bigint();
    try {
      const handled = await handleQuery(query, transport, this.opts.zone, this.opts.forward);
      if (!handled) return undefined;
      this.metrics.requests.inc({ proto: transport, type: handled.type || 'none' });
      this.metrics.responses.inc({ rcode: handled.rcode });
      return handled.response;
    } catch (err) {
      this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot answer a query');
      return undefined;
    } finally {
      this.metrics.duration.observe({ proto: transport }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    const sock = createSocket('udp4');
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: host, port, exclusive: true }, () => {
        sock.off('error', reject);
        sock.on('error', (err) => this.opts.log.warn({ err: err.message }, 'dns udp socket'));
        sock.on('message', (msg, rinfo) => {
          void this.answer(msg, 'udp').then((res) => {
            if (res) sock.send(res, rinfo.port, rinfo.address);
          });
        });
        resolve(sock);
      });
    });
  }

  private bindTcp(host: string, port: number): Promise<Server> {
    const server = createServer((c) => this.serveTcp(c));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private serveTcp(c: Socket): void {
    this.conns.add(c);
    c.once('close', () => this.conns.delete(c));
    c.on('error', () => {});
    c.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => c.destroy());
    let buf: Buffer = Buffer.alloc(0);
    c.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const query = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.answer(Buffer.from(query), 'tcp').then((res) => {
          if (!res || c.destroyed) return;
          const len2 = Buffer.alloc(2);
          len2.writeUInt16BE(res.length);
          c.write(Buffer.concat([len2, res]));
        });
      }
    });
  }
}
