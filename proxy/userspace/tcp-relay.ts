// One client connection through the userspace proxy: pick a backend, connect
// (a backend that refuses or does not answer in time cools down and the next
// one is tried with the same client connection), then copy both ways with
// backpressure (pipe), half-close passed along, bytes counted, and the time
// from each request to the first byte of its answer fed to the balancer.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { plainIPv4 } from '../cidr.js';
import type { Backend } from '../balancer/backend.js';
import type { LoadBalancer } from '../balancer/load-balancer.js';
import type { RelayStats } from './relay-stats.js';

export interface TcpRelayContext {
  lb: LoadBalancer;
  stats: RelayStats;
  /** how long a backend may take to accept before the next one is tried */
  connectTimeoutMs: number;
}

const errorCode = (err: Error): string => (err as NodeJS.ErrnoException).code ?? err.message;

export function relayTcp(client: Socket, ctx: TcpRelayContext): void {
  const clientIP = plainIPv4(client.remoteAddress);
  const tried = new Set<string>();
  let pending: Socket | undefined;
  let clientGone = false;
  ctx.stats.connections.inc();
  client.setNoDelay(true);
  const swallow = (): void => {};
  const onEarlyClose = (): void => {
    clientGone = true;
    pending?.destroy();
  };
  // until spliced, a client error only matters through the close that follows it
  client.on('error', swallow);
  client.once('close', onEarlyClose);

  const attempt = (): void => {
    if (clientGone) return;
    const b = ctx.lb.pick(clientIP, tried);
    if (!b) {
      ctx.stats.refused.inc();
      client.off('close', onEarlyClose);
      client.resetAndDestroy();
      return;
    }
    tried.add(b.key);
    ctx.lb.begin(b);
    const started = performance.now();
    const sock = connect({ host: b.ip, port: b.port, allowHalfOpen: true, noDelay: true });
    pending = sock;
    let settled = false;
    const timer = setTimeout(() => sock.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), ctx.connectTimeoutMs);
    const failed = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending = undefined;
      ctx.lb.end(b);
      if (clientGone || !err) return;
      ctx.lb.failed(b);
      ctx.stats.backendError(b.key, errorCode(err));
      attempt();
    };
    sock.once('error', failed);
    sock.once('close', () => failed(undefined));
    sock.once('connect', () => {
      settled = true;
      clearTimeout(timer);
      pending = undefined;
      sock.removeAllListeners('error');
      sock.removeAllListeners('close');
      client.off('close', onEarlyClose);
      client.off('error', swallow);
      ctx.lb.connected(b, clientIP, performance.now() - started);
      splice(client, sock, b, ctx);
    });
  };
  attempt();
}

function splice(client: Socket, upstream: Socket, b: Backend, ctx: TcpRelayContext): void {
  const { stats, lb } = ctx;
  stats.active.inc();
  let awaiting = false;
  let sentAt = 0;
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('data', (chunk: Buffer) => {
    stats.bytesIn.inc(chunk.length);
    if (!awaiting) {
      awaiting = true;
      sentAt = performance.now();
    }
  });
  upstream.on('data', (chunk: Buffer) => {
    stats.bytesOut.inc(chunk.length);
    if (awaiting) {
      awaiting = false;
      lb.observeLatency(b, performance.now() - sentAt);
    }
  });
  let closed = 0;
  const onClose = (other: Socket) => (hadError: boolean) => {
    // a side that closed cleanly has sent and received everything: let the other finish its writes
    if (hadError) other.destroy();
    else other.end();
    if (++closed === 2) {
      lb.end(b);
      stats.active.dec();
    }
  };
  client.on('error', () => {});
  upstream.on('error', (err) => stats.backendError(b.key, errorCode(err)));
  client.once('close', onClose(upstream));
  upstream.once('close', onClose(client));
}
