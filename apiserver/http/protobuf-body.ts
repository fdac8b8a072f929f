// Request bodies in application/vnd.kubernetes.protobuf, which client-go's
// typed clientsets (kubectl create, autoscale, drain...) send. A body for a
// served resource is decoded as it is read and handed on as the equivalent
// JSON request, so every handler sees JSON; a body for any other path is left
// as it came, for the handler to answer 404 or 415 as it would anyway.
import type { FastifyRequest } from 'fastify';
import { findResource } from '../../src/api/resources.js';
import { StatusError } from '../../src/api/status.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from './protobuf-decode.js';
import { parseRequestPath } from './request-info.js';

export { PROTOBUF_MEDIA_TYPE };

function addressesResource(url: string): boolean {
  try {
    return parseRequestPath(url.split('?')[0]!, findResource).type === 'resource';
  } catch {
    return false;
  }
}

/** A fastify content-type parser (parseAs: 'buffer') for PROTOBUF_MEDIA_TYPE. */
export function protobufBodyParser(
  req: FastifyRequest,
  body: Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  if (!addressesResource(req.url)) return done(null, body);
  try {
    const json = JSON.stringify(decodeProtobufObject(body));
    req.headers['content-type'] = 'application/json';
    done(null, json);
  } catch (err) {
    done(err instanceof StatusError ? err : new StatusError(400, 'BadRequest', `the protobuf body could not be read: ${String(err)}`));
  }
}
