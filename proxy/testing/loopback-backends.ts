// Backends on loopback for tests of the userspace proxy: TCP servers that
// answer with their name (or echo what they get), UDP servers that answer
// each datagram with their name, and free ports.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBackend {
  name: string;
  port: number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that writes its name and closes; with echo, sends back everything and closes after the client's FIN. */
export async function tcpBackend(name: string, opts: { echo?: boolean } = {}): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (opts.echo) s.pipe(s);
    else s.end(`${name}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    name,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface UdpBackend {
  name: string;
  port: number;
  received: number;
  close(): void;
}

export async function udpBackend(name: string): Promise<UdpBackend> {
  const sock: UdpSocket = createSocket('udp4');
  const b: UdpBackend = { name, port: 0, received: 0, close: () => sock.close() };
  sock.on('message', (msg, rinfo) => {
    b.received++;
    sock.send(Buffer.from(`${name}:${msg.toString()}`), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  b.port = sock.address().port;
  return b;
}

/** A port nothing listens on right now (TCP and UDP). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Connects, sends `send` (then FIN), and resolves with everything read; rejects with the socket error (ECONNREFUSED, ECONNRESET). */
export function tcpRequest(host: string, port: number, send = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.once('error', reject);
    s.once('end', () => {
      s.end();
      resolve(Buffer.concat(chunks).toString());
    });
    s.once('connect', () => s.end(send));
  });
}

/** Sends one datagram and resolves with the first answer (or rejects after timeoutMs). */
export function udpRequest(host: string, port: number, payload: string, timeoutMs = 2000, sock?: UdpSocket): Promise<string> {
  const own = !sock;
  const s = sock ?? createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no answer')), timeoutMs);
    const onMessage = (msg: Buffer): void => done(undefined, msg.toString());
    const done = (err: Error | undefined, answer?: string): void => {
      clearTimeout(timer);
      s.off('message', onMessage);
      if (own) s.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    s.on('message', onMessage);
    s.send(payload, port, host);
  });
}
