// The pods' connect subresources: pods/{name}/log streamed from the kubelet
// of the pod's node, and pods/{name}/exec and pods/{name}/attach, whose
// protocol upgrade (WebSocket) is tunnelled to that kubelet unchanged, so the
// subprotocol the client and the kubelet agree on passes straight through.
// The apiserver authenticates to kubelets with its client certificate.
import type { IncomingMessage } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Node, Pod } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { errors, StatusError } from '../../src/api/status.js';
import type { ResourceInfo } from '../../src/api/resource.js';
import { findResource } from '../../src/api/resources.js';
import { parseRequestPath } from './request-info.js';
import { boolParam, q1, type Query } from './query.js';

export interface KubeletClientConfig {
  /** the apiserver's client certificate and key (--kubelet-client-certificate, --kubelet-client-key) */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** verify kubelets' serving certificates against this CA (--kubelet-certificate-authority); unverified without */
  ca?: string | Buffer;
}

export interface PodProxyOptions {
  getPod(namespace: string, name: string): Promise<KubeObject>;
  getNode(name: string): Promise<KubeObject>;
  kubelet: KubeletClientConfig;
  /** whether an upgrade request may proceed (its Authorization header); upgrades bypass the HTTP hooks */
  authenticate(authorization: string | undefined): boolean;
  log: Logger;
}

/** The port a kubelet serves on when its node does not say. */
export const DEFAULT_KUBELET_PORT = 10250;
/** How much of a kubelet's error body becomes the message, as Kubernetes reads it. */
const MAX_ERROR_BODY = 50_000;

const STREAM_SUBRESOURCES = new Set(['exec', 'attach']);

/** Whether a request on this subresource is the pod proxy's to serve. */
export function isPodConnectSubresource(info: ResourceInfo, subresource: string): boolean {
  return info.group === '' && info.plural === 'pods' && (subresource === 'log' || STREAM_SUBRESOURCES.has(subresource));
}

/** Container names as Kubernetes lists them: init containers, containers, ephemeral containers. */
function containerNames(pod: Pod): string[] {
  const s = pod.spec;
  return [...(s?.initContainers ?? []), ...(s?.containers ?? []), ...(s?.ephemeralContainers ?? [])].map((c) => c.name);
}

/** The container a request is for: the one named, or the only one (Kubernetes' validateContainer). */
export function resolveContainer(pod: Pod, container: string | undefined): string {
  const name = pod.metadata.name ?? '';
  if (!container) {
    const containers = pod.spec?.containers ?? [];
    if (containers.length === 1) return containers[0]!.name;
    if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`);
  }
  if (!containerNames(pod).includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** Where a node's kubelet listens, as the apiserver picks it from the Node's status. */
export function kubeletAddress(node: Node): { host: string; port: number } {
  const addresses = node.status?.addresses ?? [];
  const preferred = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalIP', 'ExternalDNS'];
  const found = preferred.map((t) => addresses.find((a) => a.type === t && a.address)).find(Boolean);
  if (!found) throw errors.badRequest(`no preferred addresses found; known addresses: [${addresses.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host: found.address, port: port && port > 0 ? port : DEFAULT_KUBELET_PORT };
}

const hostPort = (a: { host: string; port: number }) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/** PodLogOptions from the query, checked as Kubernetes validates them. */
function logParams(q: Query, name: string): URLSearchParams {
  const params = new URLSearchParams();
  const int = (k: string): number | undefined => {
    const v = q1(q, k);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw errors.badRequest(`couldn't parse "${k}": strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return n;
  };
  const causes: { reason: string; message: string; field: string }[] = [];
  const tailLines = int('tailLines');
  const sinceSeconds = int('sinceSeconds');
  const limitBytes = int('limitBytes');
  const sinceTime = q1(q, 'sinceTime');
  if (tailLines !== undefined && tailLines < 0) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${tailLines}: must be greater than or equal to 0`, field: 'tailLines' });
  }
  if (limitBytes !== undefined && limitBytes < 1) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${limitBytes}: must be greater than 0`, field: 'limitBytes' });
  }
  if (sinceSeconds !== undefined && sinceTime) {
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified', field: '' });
  } else if (sinceSeconds !== undefined && sinceSeconds < 1) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${sinceSeconds}: must be greater than 0`, field: 'sinceSeconds' });
  }
  if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw errors.badRequest(`couldn't parse "sinceTime": ${JSON.stringify(sinceTime)}`);
  if (causes.length > 0) throw errors.invalid('PodLogOptions', '', name, causes);
  if (boolParam(q, 'follow')) params.set('follow', 'true');
  if (boolParam(q, 'previous')) params.set('previous', 'true');
  if (boolParam(q, 'timestamps')) params.set('timestamps', 'true');
  if (sinceSeconds !== undefined) params.set('sinceSeconds', String(sinceSeconds));
  if (sinceTime) params.set('sinceTime', new Date(sinceTime).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (tailLines !== undefined) params.set('tailLines', String(tailLines));
  if (limitBytes !== undefined) params.set('limitBytes', String(limitBytes));
  return params;
}

/** PodExecOptions / PodAttachOptions as the kubelet takes them (Kubernetes' streamParams). */
function streamParams(url: URL, subresource: string): URLSearchParams {
  const q = url.searchParams;
  const on = (k: string) => ['true', '1'].includes(q.getAll(k).at(-1) ?? '');
  const params = new URLSearchParams();
  if (on('stdin')) params.set('input', '1');
  if (on('stdout')) params.set('output', '1');
  if (on('stderr')) params.set('error', '1');
  if (on('tty')) params.set('tty', '1');
  if (subresource === 'exec') for (const c of q.getAll('command')) params.append('command', c);
  return params;
}

/** The kubelet's answer to a failed log request, as Kubernetes' GenericHttpResponseChecker words it. */
function kubeletFailure(code: number, body: string, podName: string): StatusError {
  if (code === 400) return errors.badRequest(body);
  if (code === 500) return errors.internal(body);
  if (code === 404) {
    return new StatusError(404, 'NotFound', `the server could not find the requested resource ( pods/log ${podName})`, { name: podName, kind: 'pods/log' });
  }
  const message = code === 403 ? body : `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding ( pods/log ${podName})`;
  return new StatusError(code, code === 403 ? 'Forbidden' : 'InternalError', message, { name: podName, kind: 'pods/log' });
}

/** A Status written straight onto a socket that asked for an upgrade. */
function refuseUpgrade(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${err.reason || 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Headers that belong to the hop between the client and the apiserver, not to the kubelet. */
const HOP_HEADERS = new Set(['authorization', 'host', 'proxy-authorization', 'content-length', 'transfer-encoding']);

export class PodProxy {
  private readonly agent: Agent;
  /** open tunnels, cut when the server stops */
  private readonly tunnels = new Set<Duplex>();

  constructor(private readonly opts: PodProxyOptions) {
    this.agent = new Agent({ connect: this.tlsOptions(), keepAliveTimeout: 30_000 });
  }

  private tlsOptions() {
    const k = this.opts.kubelet;
    return {
      ...(k.cert ? { cert: k.cert } : {}),
      ...(k.key ? { key: k.key } : {}),
      ...(k.ca ? { ca: k.ca } : {}),
      // Kubernetes does not verify kubelet serving certificates unless given their CA.
      rejectUnauthorized: Boolean(k.ca),
    };
  }

  private async locate(namespace: string, name: string, container: string | undefined, needsHost: boolean) {
    const pod = (await this.opts.getPod(namespace, name)) as unknown as Pod;
    const resolved = resolveContainer(pod, container);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (needsHost) throw errors.badRequest(`pod ${name} does not have a host assigned`);
      return { pod, container: resolved, kubelet: undefined };
    }
    const node = (await this.opts.getNode(nodeName)) as unknown as Node;
    return { pod, container: resolved, kubelet: kubeletAddress(node) };
  }

  /** Serves pods/log, and answers plain (not upgrading) requests to exec and attach. */
  async serve(req: FastifyRequest, reply: FastifyReply, namespace: string, name: string, subresource: string): Promise<FastifyReply> {
    if (subresource !== 'log') {
      if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(req.method);
      // Reached only without an Upgrade header: upgrades are taken by handleUpgrade.
      throw errors.badRequest('Upgrade request required');
    }
    if (req.method !== 'GET') throw errors.methodNotAllowed(req.method);
    const q = req.query as Query;
    const params = logParams(q, name);
    const target = await this.locate(namespace, name, q1(q, 'container'), false);
    // An unscheduled pod has no logs anywhere yet: Kubernetes answers with an empty stream.
    if (!target.kubelet) return reply.code(200).type('text/plain').send('');
    const query = params.toString();
    const url = `https://${hostPort(target.kubelet)}/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(target.container)}${query ? `?${query}` : ''}`;
    const abort = new AbortController();
    const onClose = () => abort.abort();
    reply.raw.once('close', onClose);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, { dispatcher: this.agent, signal: abort.signal, bodyTimeout: 0 });
    } catch (err) {
      reply.raw.off('close', onClose);
      throw new StatusError(500, '', `Get "${url}": ${(err as Error).message}`);
    }
    if (res.statusCode < 200 || res.statusCode > 206) {
      reply.raw.off('close', onClose);
      const text = (await res.body.text()).slice(0, MAX_ERROR_BODY);
      throw kubeletFailure(res.statusCode, text, name);
    }
    res.body.once('close', () => reply.raw.off('close', onClose));
    return reply.code(200).type('text/plain').header('cache-control', 'no-cache').send(res.body);
  }

  /** For the HTTP server's 'upgrade' event: exec and attach, tunnelled to the kubelet. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.upgrade(req, socket, head).catch((err: unknown) => {
      const status =
        err instanceof StatusError ? err : new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
      if (status.code >= 500) this.opts.log.warn({ err, url: req.url }, 'stream proxy failed');
      if (!socket.destroyed) refuseUpgrade(socket, status);
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!this.opts.authenticate(req.headers.authorization)) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const target = parseRequestPath(url.pathname, findResource);
    if (target.type !== 'resource' || !target.name || !target.subresource || !isPodConnectSubresource(target.info, target.subresource)) {
      throw errors.badRequest('the requested resource does not accept a protocol upgrade');
    }
    const { namespace, name, subresource } = target;
    if (!STREAM_SUBRESOURCES.has(subresource)) throw errors.badRequest('the requested resource does not accept a protocol upgrade');
    if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '');
    if (namespace === undefined) throw errors.pathNotFound();
    const located = await this.locate(namespace, name, url.searchParams.getAll('container').at(-1) || undefined, true);
    const kubelet = located.kubelet!;
    const query = streamParams(url, subresource).toString();
    const path = `/${subresource}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(located.container)}${query ? `?${query}` : ''}`;
    const upstream = await this.dial(kubelet);
    const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${hostPort(kubelet)}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const key = req.rawHeaders[i]!;
      if (!HOP_HEADERS.has(key.toLowerCase())) lines.push(`${key}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    this.tunnel(socket, upstream);
  }

  private dial(kubelet: { host: string; port: number }): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: kubelet.host, port: kubelet.port, ...this.tlsOptions(), ALPNProtocols: ['http/1.1'] });
      s.once('secureConnect', () => {
        s.off('error', fail);
        resolve(s);
      });
      const fail = (err: Error) => {
        s.destroy();
        reject(new StatusError(500, 'InternalError', `error dialing backend: ${err.message}`));
      };
      s.once('error', fail);
    });
  }

  private tunnel(client: Duplex, upstream: Duplex): void {
    this.tunnels.add(client);
    this.tunnels.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.tunnels.delete(client);
      this.tunnels.delete(upstream);
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    upstream.pipe(client);
    client.pipe(upstream);
  }

  /** Cuts every open tunnel and kubelet connection, log streams included. */
  async close(): Promise<void> {
    for (const s of this.tunnels) s.destroy();
    this.tunnels.clear();
    await this.agent.destroy().catch(() => undefined);
  }
}
