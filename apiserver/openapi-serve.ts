import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResourceInfo } from '../src/api/resource.js';
import { errors, StatusError } from '../src/api/status.js';
import { buildDefinitions, buildV2Document, buildV3Document, groupVersionPath, groupVersionsOf, type Schema } from './openapi.js';
import { encodeV2Protobuf, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_TOKEN } from './openapi-protobuf.js';
// Serving the OpenAPI documents: built once on first request, with hashes,
// ETags and content negotiation (JSON, or protobuf for /openapi/v2).

export interface ServedDocument {
  body: string | Buffer;
  contentType: string;
  /** sha512 of the body, upper-case hex as Kubernetes writes it */
  hash: string;
}

const hashOf = (body: string | Buffer) => createHash('sha512').update(body).digest('hex').toUpperCase();

const serveJson = (doc: unknown): ServedDocument => {
  const body = JSON.stringify(doc);
  return { body, contentType: 'application/json', hash: hashOf(body) };
};

/** The documents of one resource table, each rendered once and kept. */
export class OpenApiDocuments {
  readonly definitions: Record<string, Schema>;
  readonly v2: ServedDocument;
  readonly v2Protobuf: ServedDocument;
  readonly v3Root: ServedDocument;
  private readonly v3Docs = new Map<string, ServedDocument>();

  constructor(resources: ResourceInfo[]) {
    this.definitions = buildDefinitions(resources);
    const v2 = buildV2Document(resources, this.definitions);
    this.v2 = serveJson(v2);
    const proto = encodeV2Protobuf(v2);
    this.v2Protobuf = { body: proto, contentType: OPENAPI_V2_PROTOBUF_TOKEN, hash: hashOf(proto) };
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of groupVersionsOf(resources)) {
      const path = groupVersionPath(gv);
      const doc = serveJson(buildV3Document(resources, this.definitions, gv));
      this.v3Docs.set(path, doc);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` };
    }
    this.v3Root = serveJson({ paths });
  }

  /** the document at /openapi/v3/{path}, path being "api/v1" or "apis/{group}/{version}" */
  v3(path: string): ServedDocument | undefined {
    return this.v3Docs.get(path);
  }
}

type DocumentForm = 'json' | 'protobuf';

/**
 * The first form in the client's Accept list that the server has, JSON for
 * a wildcard; like Kubernetes, 406 when there is none. Protocol buffers are
 * offered for Swagger 2.0 only.
 */
export function negotiateDocument(accept: string | undefined, protobuf: boolean): DocumentForm {
  if (!accept || accept.trim() === '') return 'json';
  for (const clause of accept.split(',')) {
    const type = clause.split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
    if (protobuf && (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_TOKEN)) return 'protobuf';
  }
  const offered = protobuf ? `application/json, ${OPENAPI_V2_PROTOBUF}` : 'application/json';
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${offered}`);
}

function sendDocument(req: FastifyRequest, reply: FastifyReply, doc: ServedDocument): FastifyReply {
  const etag = `"${doc.hash}"`;
  reply.header('ETag', etag).header('Vary', 'Accept');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(doc.contentType).send(doc.body);
}

export interface OpenApiHandlers {
  v2(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  v3Root(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
  v3GroupVersion(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply>;
}

/** Route handlers for /openapi/v2, /openapi/v3 and /openapi/v3/*; documents are built on first use. */
export function openApiHandlers(resources: ResourceInfo[]): OpenApiHandlers {
  let docs: OpenApiDocuments | undefined;
  const get = () => (docs ??= new OpenApiDocuments(resources));
  return {
    async v2(req, reply) {
      const form = negotiateDocument(req.headers.accept, true);
      return sendDocument(req, reply, form === 'protobuf' ? get().v2Protobuf : get().v2);
    },
    async v3Root(req, reply) {
      return sendDocument(req, reply, get().v3Root);
    },
    async v3GroupVersion(req, reply) {
      const path = (req.params as { '*'?: string })['*'] ?? '';
      const doc = get().v3(path);
      if (!doc) throw errors.pathNotFound();
      negotiateDocument(req.headers.accept, false);
      const hash = (req.query as Record<string, unknown>).hash;
      if (typeof hash === 'string' && hash !== '') {
        // A client holding an old root is sent to the current document.
        if (hash !== doc.hash) return reply.redirect(`/openapi/v3/${path}?hash=${doc.hash}`, 301);
        reply.header('Cache-Control', 'public, immutable');
        reply.header('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString());
      }
      return sendDocument(req, reply, doc);
    },
  };
}
