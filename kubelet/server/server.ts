// The kubelet's HTTPS server, what the apiserver reaches for `kubectl logs`,
// `exec`, `attach` and `top`: /healthz, /pods, /stats/summary,
// /containerLogs/{ns}/{pod}/{container}, and /exec and /attach over
// WebSocket with Kubernetes' channel protocols. Only clients presenting a
// certificate signed by the client CA (the apiserver's) get in.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Pod } from '../../src/api/core/v1.js';
import { selfSignedServingCert } from '../../src/cluster/pki.js';
import { channelProtocol, STREAM_PROTOCOLS } from '../../src/client/remotecommand.js';
import type { ContainerRuntime } from '../runtime/interface.js';
import { KubeletHttpError, logContainer, podHasContainer, requirePod, runningContainer } from './containers.js';
import { serveStream, type StreamRequest } from './streaming.js';
import { SummaryProvider } from './stats.js';

export interface KubeletServerOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  host: string;
  /** 0 picks a free port */
  port: number;
  /** serving certificate; without one the server makes a self-signed one in memory */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** only clients with a certificate signed by this CA (the apiserver) are served */
  clientCaFile?: string;
  /** the pods bound to this node */
  pods: () => Pod[];
  log?: Logger;
}

const TRUE_VALUES = new Set(['1', 'true', 'True', 'TRUE', 't', 'T']);

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && TRUE_VALUES.has(v);
}

function nonNegativeInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new KubeletHttpError(400, `invalid ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** /exec/{ns}/{pod}/{container} or /exec/{ns}/{pod}/{uid}/{container} (same for attach and containerLogs). */
function containerPath(parts: string[]): { namespace: string; pod: string; uid?: string; container: string } | undefined {
  if (parts.length === 4) return { namespace: parts[1]!, pod: parts[2]!, container: parts[3]! };
  if (parts.length === 5) return { namespace: parts[1]!, pod: parts[2]!, uid: parts[3]!, container: parts[4]! };
  return undefined;
}

function splitPath(url: string): { parts: string[]; query: URLSearchParams } {
  const u = new URL(url, 'https://kubelet');
  return { parts: u.pathname.split('/').filter(Boolean).map(decodeURIComponent), query: u.searchParams };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** An HTTP answer written straight onto a socket that asked for an upgrade. */
function refuseUpgrade(socket: Duplex, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  const body = Buffer.from(text);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${text}`,
  );
}

export class KubeletServer {
  private server?: Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => [...offered].find((p) => (STREAM_PROTOCOLS as readonly string[]).includes(p)) ?? false,
  });
  private readonly summary: SummaryProvider;
  private readonly sockets = new Set<Socket | Duplex>();
  private address?: AddressInfo;

  constructor(private readonly opts: KubeletServerOptions) {
    this.summary = new SummaryProvider(opts.runtime, opts.nodeName, opts.pods);
  }

  /** the port actually listened on (after start) */
  get port(): number {
    return this.address?.port ?? this.opts.port;
  }

  get url(): string {
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `https://${host}:${this.port}`;
  }

  async start(): Promise<string> {
    const tls = this.opts.tls ?? selfSignedServingCert(this.opts.nodeName, this.selfSignedHosts());
    const ca = this.opts.clientCaFile ? readFileSync(this.opts.clientCaFile) : undefined;
    const server = createServer({
      cert: tls.cert,
      key: tls.key,
      // Certificates are checked per request so that a missing one gets the kubelet's 401, not a TLS alert.
      requestCert: Boolean(ca),
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    server.on('request', (req, res) => void this.serveHttp(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.serveUpgrade(req, socket, head));
    server.on('secureConnection', (s: TLSSocket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.opts.log?.info({ url: this.url, clientCA: Boolean(ca) }, 'kubelet server listening');
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private selfSignedHosts(): { dns: string[]; ips: string[] } {
    const host = this.opts.host;
    const isIp = /^[\d.]+$/.test(host) || host.includes(':');
    const ips = ['127.0.0.1', ...(isIp && host !== '0.0.0.0' && host !== '::' ? [host] : [])];
    return { dns: [...new Set([this.opts.nodeName, 'localhost', ...(isIp ? [] : [host])])], ips: [...new Set(ips)] };
  }

  /** Whether the client may be served: anyone without a client CA; with one, only a certificate it signed. */
  private authenticated(socket: Socket | Duplex): boolean {
    if (!this.opts.clientCaFile) return true;
    const tls = socket as TLSSocket;
    // A resumed TLS session of a client that never sent a certificate still
    // reads as authorized, so the certificate itself must be there too.
    return tls.authorized === true && Object.keys(tls.getPeerCertificate() ?? {}).length > 0;
  }

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = (code: number, body: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    };
    try {
      if (!this.authenticated(req.socket)) return text(401, 'Unauthorized');
      const { parts, query } = splitPath(req.url ?? '/');
      const route = parts[0];
      if (route === 'healthz' && parts.length === 1) return text(200, 'ok');
      if (req.method !== 'GET' && route !== 'exec' && route !== 'attach') return text(405, `${req.method} is not allowed`);
      if (route === 'pods' && parts.length === 1) return this.json(res, this.podList());
      if (route === 'stats' && parts[1] === 'summary' && parts.length === 2) return this.json(res, await this.summary.summary());
      if (route === 'containerLogs') {
        const target = containerPath(parts);
        if (target) return await this.containerLogs(res, target, query);
      }
      if ((route === 'exec' || route === 'attach') && containerPath(parts)) {
        // Streams need a protocol upgrade; a plain request cannot carry them.
        return text(400, 'Upgrade request required');
      }
      return text(404, '404 page not found');
    } catch (err) {
      if (err instanceof KubeletHttpError) return text(err.code, err.message);
      this.opts.log?.error({ err, url: req.url }, 'kubelet request failed');
      return text(500, (err as Error).message);
    }
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private podList() {
    return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.opts.pods() };
  }

  private async containerLogs(
    res: ServerResponse,
    target: { namespace: string; pod: string; container: string },
    query: URLSearchParams,
  ): Promise<void> {
    const pod = requirePod(this.opts.pods(), target.namespace, target.pod);
    const follow = flag(query, 'follow');
    const tailLines = nonNegativeInt(query, 'tailLines');
    let sinceSeconds = nonNegativeInt(query, 'sinceSeconds');
    const sinceTime = query.get('sinceTime');
    if (sinceSeconds === undefined && sinceTime) {
      const t = Date.parse(sinceTime);
      if (Number.isNaN(t)) throw new KubeletHttpError(400, `invalid sinceTime: ${JSON.stringify(sinceTime)}`);
      sinceSeconds = Math.max(1, Math.ceil((Date.now() - t) / 1000));
    }
    const limit = nonNegativeInt(query, 'limitBytes');
    const container = await logContainer(this.opts.runtime, pod, target.container, flag(query, 'previous'));
    const stream: Readable = await this.opts.runtime.logs(container.id, {
      follow,
      timestamps: flag(query, 'timestamps'),
      ...(tailLines !== undefined ? { tailLines } : {}),
      ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    });
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    // Sends the headers now: a follower waiting for the first line must know the stream is open.
    res.flushHeaders();
    const gone = () => stream.destroy();
    res.on('close', gone);
    let left = limit ?? Number.POSITIVE_INFINITY;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        if (left <= 0) break;
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        const part = bytes.length > left ? bytes.subarray(0, left) : bytes;
        left -= part.length;
        if (!res.write(part)) await drained(res);
        if (left <= 0) break;
      }
    } catch (err) {
      if (!res.destroyed) this.opts.log?.debug({ err }, 'log stream ended with an error');
    } finally {
      res.off('close', gone);
      stream.destroy();
      if (!res.destroyed) res.end();
    }
  }

  private async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      if (!this.authenticated(socket)) return refuseUpgrade(socket, 401, 'Unauthorized');
      const { parts, query } = splitPath(req.url ?? '/');
      const kind = parts[0];
      const target = containerPath(parts);
      if ((kind !== 'exec' && kind !== 'attach') || !target) return refuseUpgrade(socket, 404, '404 page not found');
      const pod = requirePod(this.opts.pods(), target.namespace, target.pod);
      if (target.uid && pod.metadata.uid !== target.uid) throw new KubeletHttpError(404, `pod "${target.pod}" does not exist\n`);
      if (!podHasContainer(pod, target.container)) throw new KubeletHttpError(500, `container not found ("${target.container}")`);
      const request: StreamRequest = {
        kind,
        containerId: '',
        command: query.getAll('command'),
        stdin: flag(query, 'input') || flag(query, 'stdin'),
        stdout: flag(query, 'output') || flag(query, 'stdout'),
        stderr: flag(query, 'error') || flag(query, 'stderr'),
        tty: flag(query, 'tty'),
      };
      if (request.tty) request.stderr = false;
      if (!request.stdin && !request.stdout && !request.stderr) {
        throw new KubeletHttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
      }
      if (kind === 'exec' && request.command.length === 0) throw new KubeletHttpError(400, 'you must specify at least one command for the container');
      request.containerId = (await runningContainer(this.opts.runtime, pod, target.container)).id;
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        // SPDY-only clients (kubectl before 1.30) show a Status body's message, but not a text one.
        const message = `unable to upgrade: streams are served over WebSocket only (${STREAM_PROTOCOLS.join(', ')}); SPDY is not supported`;
        const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 };
        return refuseUpgrade(socket, 400, JSON.stringify(status), 'application/json');
      }
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      if (offered.length > 0 && !offered.some((p) => (STREAM_PROTOCOLS as readonly string[]).includes(p))) {
        throw new KubeletHttpError(400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${STREAM_PROTOCOLS.join(' ')}]`);
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const protocol = channelProtocol(ws.protocol || undefined)!;
        void serveStream(ws, protocol, request, this.opts.runtime, this.opts.log);
      });
    } catch (err) {
      if (err instanceof KubeletHttpError) return refuseUpgrade(socket, err.code, err.message);
      this.opts.log?.error({ err, url: req.url }, 'kubelet stream request failed');
      refuseUpgrade(socket, 500, (err as Error).message);
    }
  }
}
