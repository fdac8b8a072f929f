// The metrics server's HTTPS API: metrics.k8s.io/v1beta1 discovery, NodeMetrics
// and PodMetrics (list and get, label and field selectors, one namespace or
// all), /healthz, /livez, /readyz and Prometheus /metrics.
//
// Who may ask: with a request-header CA (--requestheader-client-ca-file) only
// clients presenting a certificate it signed, optionally only those whose
// common name is in --requestheader-allowed-names (the apiserver's front-proxy
// certificate), as an extension apiserver behind Kubernetes' aggregation
// layer checks the aggregator. The health endpoints answer everyone.
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errors, StatusError } from '../api/status.js';
import { METRICS_GROUP, METRICS_VERSION, metricsGroup, metricsResourceList } from './api.js';
import type { ListQuery, MetricsResources } from './resources.js';

export interface MetricsHttpServerOptions {
  resources: MetricsResources;
  tls: { cert: string | Buffer; key: string | Buffer };
  /** only clients with a certificate this CA signed are served (the apiserver's front-proxy certificate) */
  clientCA?: string | Buffer;
  /** and only those with one of these common names; any name the CA signed when empty */
  allowedNames?: string[];
  registry: Registry;
  /** false until the caches synced and the first scrape completed (/readyz) */
  ready: () => boolean;
  logger: Logger;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz']);
const PREFIX = `/apis/${METRICS_GROUP}/${METRICS_VERSION}`;

function query(req: FastifyRequest): ListQuery {
  const q = req.query as Record<string, unknown>;
  const one = (k: string): string | undefined => {
    const v = q[k];
    const s = Array.isArray(v) ? v.at(-1) : v;
    return typeof s === 'string' ? s : undefined;
  };
  const out: ListQuery = {};
  const labels = one('labelSelector');
  const fields = one('fieldSelector');
  if (labels !== undefined) out.labelSelector = labels;
  if (fields !== undefined) out.fieldSelector = fields;
  return out;
}

function json(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json').send(JSON.stringify(body));
}

export class MetricsHttpServer {
  readonly app: FastifyInstance;

  constructor(private readonly opts: MetricsHttpServerOptions) {
    this.app = Fastify({
      loggerInstance: opts.logger,
      logController: new LogController({ disableRequestLogging: true }),
      https: {
        cert: opts.tls.cert,
        key: opts.tls.key,
        // Checked per request, so that a missing certificate gets a 401 Status rather than a TLS alert.
        ...(opts.clientCA ? { ca: opts.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
      },
      forceCloseConnections: true,
    }) as unknown as FastifyInstance;
    this.routes();
  }

  private authorized(req: FastifyRequest): boolean {
    if (!this.opts.clientCA) return true;
    const socket = req.raw.socket as TLSSocket;
    if (!socket.authorized) return false;
    const allowed = this.opts.allowedNames ?? [];
    if (allowed.length === 0) return true;
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const names = Array.isArray(cn) ? cn : cn ? [cn] : [];
    return names.some((n) => allowed.includes(n));
  }

  private routes(): void {
    const app = this.app;
    app.addHook('onRequest', async (req) => {
      if (PUBLIC_PATHS.has(req.url.split('?')[0]!)) return;
      if (!this.authorized(req)) throw errors.unauthorized();
    });
    app.setErrorHandler((err: unknown, req, reply) => {
      const status = err instanceof StatusError ? err : errors.internal(err instanceof Error ? err.message : String(err));
      if (status.code >= 500) req.log.error({ err, url: req.url }, 'request failed');
      return reply.code(status.code).type('application/json').send(JSON.stringify(status.toStatus()));
    });
    app.setNotFoundHandler((_req, reply) => {
      const s = errors.pathNotFound();
      return reply.code(404).type('application/json').send(JSON.stringify(s.toStatus()));
    });

    const readOnly = (handler: (req: FastifyRequest) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(req.method);
      return json(reply, handler(req));
    };
    const health = (check: () => boolean, what: string) => async (_req: FastifyRequest, reply: FastifyReply) =>
      check() ? reply.type('text/plain').send('ok') : reply.code(503).type('text/plain').send(`[-]${what} failed: not ready yet\nhealthz check failed`);
    app.get('/healthz', health(() => true, ''));
    app.get('/livez', health(() => true, ''));
    app.get('/readyz', health(() => this.opts.ready(), 'metric-collection'));
    app.get('/metrics', async (_req, reply) => reply.type(this.opts.registry.contentType).send(await this.opts.registry.metrics()));

    const r = this.opts.resources;
    const params = (req: FastifyRequest) => req.params as Record<string, string>;
    app.all('/apis', readOnly(() => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [{ ...strip(metricsGroup()) }] })));
    app.all(`/apis/${METRICS_GROUP}`, readOnly(() => metricsGroup()));
    app.all(PREFIX, readOnly(() => metricsResourceList()));
    app.all(`${PREFIX}/nodes`, readOnly((req) => r.listNodes(query(req))));
    app.all(`${PREFIX}/nodes/:name`, readOnly((req) => r.getNode(params(req).name!)));
    app.all(`${PREFIX}/pods`, readOnly((req) => r.listPods(undefined, query(req))));
    app.all(`${PREFIX}/namespaces/:namespace/pods`, readOnly((req) => r.listPods(params(req).namespace!, query(req))));
    app.all(`${PREFIX}/namespaces/:namespace/pods/:name`, readOnly((req) => r.getPod(params(req).namespace!, params(req).name!)));
  }

  async start(listen: { host: string; port: number }): Promise<string> {
    return this.app.listen(listen);
  }

  /** The port listened on (after start). */
  get port(): number {
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  async stop(): Promise<void> {
    const closing = this.app.close();
    this.app.server.closeAllConnections?.();
    await closing;
  }
}

function strip(group: ReturnType<typeof metricsGroup>) {
  const { kind: _k, apiVersion: _a, ...rest } = group;
  return rest;
}
