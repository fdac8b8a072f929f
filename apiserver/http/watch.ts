// A watch over HTTP: newline-delimited JSON events streamed from the
// resource's watch cache (or Tables, or object metadata, as the client asked),
// with BOOKMARKs, timeoutSeconds, and backpressure per client.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from '../../src/api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../src/api/resource.js';
import { StatusError } from '../../src/api/status.js';
import { toTable } from '../../src/printers/table.js';
import type { OutgoingWatchEvent, ResourceStore } from '../registry/store.js';
import type { ApiMetrics } from '../metrics.js';
import { negotiate } from './negotiate.js';
import { boolParam, includeObjectParam, intParam, q1, type Query } from './query.js';

export interface WatchOptions {
  /** how often a watch with allowWatchBookmarks gets a BOOKMARK */
  bookmarkIntervalMs: number;
  /** the server's own limit for watches without timeoutSeconds */
  minRequestTimeoutSeconds: number;
  metrics: ApiMetrics;
  /** every open watch registers its finish function here, so the server can end them all */
  open: Set<() => void>;
}

export function serveWatch(
req: FastifyRequest,
reply: FastifyReply,
info: ResourceInfo,
store: ResourceStore,
namespace: string | undefined,
opts: WatchOptions,
): void {
  const q = req.query as Query;
  const form = negotiate(req.headers.accept);
  const timeoutParam = intParam(q, 'timeoutSeconds');
  const timeoutSeconds =
    timeoutParam !== undefined && timeoutParam > 0
      ? timeoutParam
      : Math.round(opts.minRequestTimeoutSeconds * (1 + Math.random()));
  const bookmarks = boolParam(q, 'allowWatchBookmarks');
  const includeObject = includeObjectParam(q);
  const res = reply.raw;
  let closed = false;
  let headerSent = false;
  let sentColumns = false;
  const writeHead = () => {
    if (headerSent) return;
    headerSent = true;
    reply.hijack();
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    // Clients wait for the response headers before reading events: send
    // them now, not with the first event, which may be minutes away.
    res.flushHeaders();
  };
  const encode = (ev: OutgoingWatchEvent, json?: string): string => {
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return JSON.stringify(ev);
    if (form === 'table') {
      const table = toTable(info.group, info.plural, [ev.object as KubeObject], {
        includeObject,
        resourceVersion: (ev.object as KubeObject).metadata.resourceVersion,
        omitHeaders: sentColumns,
      });
      sentColumns = true;
      return JSON.stringify({ type: ev.type, object: table });
    }
    if (form === 'metadata') {
      const o = ev.object as KubeObject;
      return JSON.stringify({ type: ev.type, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } });
    }
    if (json) return `{"type":"${ev.type}","object":${json}}`;
    return JSON.stringify(ev);
  };
  let stop: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    opts.open.delete(finish);
    stop();
    if (timer) clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    opts.metrics.watchClosed(info);
    if (headerSent) res.end();
  };
  // A slow client holds back only its own events: wait for the socket to
  // drain before taking the next one from the cache.
  const sendEvent = (ev: OutgoingWatchEvent, json?: string): void | Promise<unknown> => {
    if (closed) return;
    writeHead();
    if (!res.write(encode(ev, json) + '\n')) {
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };
  // Setting up the watch may fail synchronously (a too-old resourceVersion):
  // Kubernetes still answers 200 and sends the error as an ERROR event.
  try {
    stop = store.watch(
      namespace,
      {
        resourceVersion: q1(q, 'resourceVersion'),
        labelSelector: q1(q, 'labelSelector'),
        fieldSelector: q1(q, 'fieldSelector'),
      },
      sendEvent,
      (err) => {
        if (err) sendEvent({ type: 'ERROR', object: err.toStatus() });
        finish();
      },
    );
  } catch (err) {
    if (err instanceof StatusError && (err.code === 410 || err.code === 504)) {
      opts.metrics.watchOpened(info);
      sendEvent({ type: 'ERROR', object: err.toStatus() });
      finish();
      return;
    }
    throw err;
  }
  opts.metrics.watchOpened(info);
  opts.open.add(finish);
  writeHead();
  timer = setTimeout(finish, timeoutSeconds * 1000);
  if (bookmarks) {
    bookmarkTimer = setInterval(() => {
      sendEvent({
        type: 'BOOKMARK',
        object: { kind: info.kind, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(store.cacher.revision) } },
      });
    }, opts.bookmarkIntervalMs);
  }
  req.raw.on('close', finish);
  res.on('close', finish);
}
