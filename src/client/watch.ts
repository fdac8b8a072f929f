// One watch request: GET ...?watch=true answered with a chunked stream of
// newline-delimited JSON events {type, object}, read as an async iterator.
import type { KubeObject, WatchEvent } from '../api/meta.js';
import { isStatus, StatusError, type StatusDetails } from '../api/status.js';
import { isExpired } from './errors.js';
import { formatSelector, resourcePath, type ResourceRef, type SelectorInput } from './paths.js';
import type { RestClient } from './rest.js';

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: SelectorInput;
  fieldSelector?: SelectorInput;
  allowWatchBookmarks?: boolean;
  /** the server ends the watch after this long */
  timeoutSeconds?: number;
  /** aborting ends the iteration quietly */
  signal?: AbortSignal;
}

/**
 * The resourceVersion the watch started from is older than the server keeps
 * (410 Expired): the caller must list again and watch from the new list.
 */
export class WatchExpiredError extends StatusError {
  constructor(message: string, details?: StatusDetails) {
    super(410, 'Expired', message, details);
    this.name = 'WatchExpiredError';
  }
}

/** Splits a byte stream into lines, whatever the chunk boundaries (multi-byte characters included). */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of chunks) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf('\n', start)) >= 0) {
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield buf.slice(start, end);
      start = nl + 1;
    }
    if (start > 0) buf = buf.slice(start);
  }
  buf += decoder.decode();
  if (buf !== '') yield buf;
}

const eventTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** The error an ERROR event carries; 410 becomes WatchExpiredError. */
export function watchErrorFrom(object: unknown): StatusError {
  if (!isStatus(object)) return new StatusError(500, 'InternalError', 'watch ended with an ERROR event that carries no Status');
  const err = StatusError.fromStatus(object);
  return isExpired(err) ? new WatchExpiredError(err.message, err.details) : err;
}

/**
 * Opens a watch and yields its events. An ERROR event ends the iteration by
 * throwing its Status as a StatusError (WatchExpiredError for 410); a normal
 * server close (timeoutSeconds) or an abort through the signal ends it
 * quietly. Breaking out of the loop closes the connection.
 */
export async function* watchStream<T extends KubeObject = KubeObject>(
  client: RestClient,
  resource: ResourceRef,
  namespace: string | undefined,
  opts: WatchOptions = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const path = resourcePath(resource, namespace);
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(opts.signal?.reason);
  if (opts.signal?.aborted) return;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let body: AsyncIterable<Uint8Array>;
    try {
      const res = await client.stream('GET', path, {
        query: {
          watch: 'true',
          resourceVersion: opts.resourceVersion,
          labelSelector: formatSelector(opts.labelSelector),
          fieldSelector: formatSelector(opts.fieldSelector),
          allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
          timeoutSeconds: opts.timeoutSeconds,
        },
        signal: ctl.signal,
      });
      body = res.body;
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof StatusError && isExpired(err) && !(err instanceof WatchExpiredError)) {
        throw new WatchExpiredError(err.message, err.details);
      }
      throw err;
    }
    try {
      for await (const line of splitLines(body)) {
        if (line.trim() === '') continue;
        let ev: unknown;
        try {
          ev = JSON.parse(line);
        } catch {
          throw new Error(`watch ${path}: malformed event: ${line.length > 200 ? `${line.slice(0, 200)}...` : line}`);
        }
        if (typeof ev !== 'object' || ev === null || !eventTypes.has(String((ev as { type?: unknown }).type))) {
          throw new Error(`watch ${path}: unexpected event: ${line.slice(0, 200)}`);
        }
        const event = ev as WatchEvent<T>;
        if (event.type === 'ERROR') throw watchErrorFrom(event.object);
        yield event;
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    ctl.abort();
  }
}
