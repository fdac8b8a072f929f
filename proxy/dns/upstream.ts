// Forwarding names outside the cluster zone to a resolver on this machine's
// loopback (the only place the proxy may send them): UDP queries over UDP,
// TCP ones over TCP, bytes passed through unchanged.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isLoopback } from '../cidr.js';
import type { Forwarder, Transport } from './messages.js';

export interface Upstream {
  host: string;
  port: number;
}

export function parseUpstream(text: string): Upstream {
  const i = text.lastIndexOf(':');
  const host = i < 0 ? text : text.slice(0, i);
  const port = i < 0 ? 53 : Number(text.slice(i + 1));
  if (!isLoopback(host) || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`--upstream must be a loopback address such as 127.0.0.53:53, got "${text}"`);
  }
  return { host, port };
}

export function upstreamForwarder(up: Upstream, timeoutMs = 2000): Forwarder {
  return (query: Buffer, transport: Transport) => (transport === 'udp' ? viaUdp(up, query, timeoutMs) : viaTcp(up, query, timeoutMs));
}

function viaUdp(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const id = query.readUInt16BE(0);
    const timer = setTimeout(() => done(new Error('upstream timed out')), timeoutMs);
    const done = (err: Error | undefined, msg?: Buffer): void => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on('error', (err) => done(err));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(undefined, msg);
    });
    sock.send(query, up.port, up.host);
  });
}

function viaTcp(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error('upstream timed out')));
    sock.once('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        sock.destroy();
      }
    });
    sock.once('close', () => reject(new Error('upstream closed the connection')));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    sock.end(Buffer.concat([len, query]));
  });
}
