// The aggregation layer for one API group served by another server: requests
// under /apis/{group}/{version} are proxied to it, as kube-aggregator proxies
// to an APIService's backend. Used for metrics.k8s.io (skiff metrics-server).
//
// The apiserver has already authenticated the caller; the request goes on
// with the apiserver's own client certificate (--proxy-client-cert-file) and
// the caller's identity in X-Remote-User and X-Remote-Group, which are built
// afresh here: whatever such headers the caller sent are never passed on.
// The group's APIGroup document is answered here (it lists the one version);
// everything below the version, discovery included, is the backend's. When
// the backend cannot be reached the answer is 503 ServiceUnavailable with
// the dial error as plain text, which clients read as Kubernetes' "the server
// is currently unable to handle the request".
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { errors } from '../src/api/status.js';

export interface AggregatedApiOptions {
  /** the backend's base URL, e.g. https://127.0.0.1:4443 */
  url: string;
  /** verify the backend's serving certificate against this CA (APIService caBundle) */
  ca?: string | Buffer;
  /** do not verify it (APIService insecureSkipTLSVerify) */
  insecureSkipTLSVerify?: boolean;
  /** the apiserver's front-proxy client certificate and key */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
}

/** Request headers passed on to the backend; everything else (Authorization first) stays here. */
const FORWARDED = ['accept', 'accept-encoding', 'content-type', 'user-agent'];
/** Response headers passed back. */
const RETURNED = ['content-type', 'content-encoding', 'cache-control', 'warning'];

/** Go's words for the commonest dial failures, as kube-aggregator reports them. */
function dialError(err: unknown, target: URL): string {
  const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  const host = target.host;
  if (code === 'ECONNREFUSED') return `dial tcp ${host}: connect: connection refused`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return `dial tcp ${host}: i/o timeout`;
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return `error trying to reach service: ${message}`;
}

export class AggregatedApi {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(
    readonly group: string,
    readonly version: string,
    private readonly opts: AggregatedApiOptions,
    private readonly log: Logger,
  ) {
    this.base = new URL(opts.url);
    if (this.base.protocol !== 'https:') throw new Error(`the ${group} server must be reached over https, not ${opts.url}`);
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connect: {
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.clientCert ? { cert: opts.clientCert } : {}),
        ...(opts.clientKey ? { key: opts.clientKey } : {}),
        rejectUnauthorized: !opts.insecureSkipTLSVerify,
      },
    });
  }

  /** The paths this serves: /apis/{group} and everything below it. */
  get routes(): string[] {
    return [`/apis/${this.group}`, `/apis/${this.group}/*`];
  }

  /** The group's APIGroup document, listing the one version served behind it. */
  groupDocument() {
    const gv = { groupVersion: `${this.group}/${this.version}`, version: this.version };
    return { kind: 'APIGroup', apiVersion: 'v1', name: this.group, versions: [gv], preferredVersion: gv };
  }

  async serve(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const [path, rawQuery] = splitUrl(req.url);
    const parts = path.split('/').filter(Boolean);
    if (parts.some((p) => ['.', '..'].includes(safeDecode(p)))) throw errors.pathNotFound();
    if (parts.length === 2) {
      if (req.method !== 'GET') throw errors.methodNotAllowed(req.method);
      return reply.type('application/json').send(JSON.stringify(this.groupDocument()));
    }
    // Only the registered version is proxied, as only it has an APIService.
    if (parts[2] !== this.version) throw errors.pathNotFound();
    const target = new URL(path + (rawQuery ? `?${rawQuery}` : ''), this.base);
    const headers: Record<string, string> = {};
    for (const h of FORWARDED) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (req.user) {
      headers['x-remote-user'] = req.user.name;
      if (req.user.groups.length) headers['x-remote-group'] = req.user.groups.join(',');
    }
    headers['x-forwarded-for'] = req.ip;
    const abort = new AbortController();
    const onClose = () => abort.abort();
    reply.raw.once('close', onClose);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(target, {
        dispatcher: this.agent,
        method: req.method as 'GET',
        headers,
        body: typeof req.body === 'string' && req.body.length > 0 ? req.body : null,
        signal: abort.signal,
      });
    } catch (err) {
      reply.raw.off('close', onClose);
      const message = dialError(err, target);
      this.log.warn({ group: this.group, err: message }, 'aggregated API unreachable');
      return reply.code(503).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(`${message}\n`);
    }
    res.body.once('close', () => reply.raw.off('close', onClose));
    reply.code(res.statusCode);
    for (const h of RETURNED) {
      const v = res.headers[h];
      if (v !== undefined) reply.header(h, v);
    }
    return reply.send(res.body);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function splitUrl(url: string): [string, string] {
  const i = url.indexOf('?');
  return i < 0 ? [url, ''] : [url.slice(0, i), url.slice(i + 1)];
}

export interface AggregationFlags {
  metricsServerUrl?: string;
  metricsServerCaFile?: string;
  metricsServerInsecureSkipTlsVerify?: boolean;
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
}

/** The metrics server to aggregate, from `skiff apiserver`'s flags; undefined without --metrics-server-url. */
export function metricsServerFromFlags(flags: AggregationFlags): AggregatedApiOptions | undefined {
  if (Boolean(flags.proxyClientCertFile) !== Boolean(flags.proxyClientKeyFile)) {
    throw new Error('--proxy-client-cert-file and --proxy-client-key-file must be given together');
  }
  if (!flags.metricsServerUrl) return undefined;
  return {
    url: flags.metricsServerUrl,
    ...(flags.metricsServerCaFile ? { ca: readFileSync(flags.metricsServerCaFile) } : {}),
    ...(flags.metricsServerInsecureSkipTlsVerify ? { insecureSkipTLSVerify: true } : {}),
    ...(flags.proxyClientCertFile ? { clientCert: readFileSync(flags.proxyClientCertFile), clientKey: readFileSync(flags.proxyClientKeyFile!) } : {}),
  };
}
