// The apiserver's client for etcd's gRPC services, on one HTTP/2 session:
// KV (Range and Txn behind every read and write, Compact), Watch (one
// bidirectional stream per watched prefix) and Lease (LeaseGrant for writes
// with a TTL). The messages are etcd's own: the .proto files the etcd3
// package ships, encoded and decoded by protobufjs without conversion to
// plain objects.
//
// Why not through the etcd3 client: on the same etcd, a Txn through etcd3
// (grpc-js with proto-loader's object conversion, cockatiel's retry and
// circuit breaker) costs the calling process about twice the CPU of one made
// here (`npm run bench:etcd-client`: 185-296 µs against 93-117 µs), and an
// apiserver makes one or two such calls per request and receives one watch
// event per write.
//
// A call that reached etcd is never retried here: a write whose answer was
// lost may have been applied, and only the caller's own precondition (the
// revision it compares) can tell. A call whose connection could not be made
// at all is tried on the next endpoint, since nothing was sent. A call that
// cannot reach any etcd, or gets no answer before its deadline, fails with
// gRPC's UNAVAILABLE or DEADLINE_EXCEEDED code, which the storage maps to
// 'Unavailable'. A watch ends (onEnd) when its stream or the session does;
// the caller watches again. While the session is open it is pinged every
// 15 s (etcd refuses pings more often than every 5 s) and dropped when a
// ping goes unanswered for 5 s, so a watch on a silently dead connection
// ends instead of waiting forever. The session is reopened on the next call
// after it closes.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/** int64 fields decode to a number or, past 2^53 or with long.js loaded, a Long */
export type Int64 = number | { toNumber(): number };

export interface KeyValueMessage {
  key: Buffer;
  value: Buffer;
  create_revision: Int64;
  mod_revision: Int64;
}
export interface ResponseHeaderMessage {
  revision: Int64;
}
export interface RangeResponseMessage {
  header: ResponseHeaderMessage;
  kvs: KeyValueMessage[];
  more: boolean;
  count: Int64;
}
export interface TxnResponseMessage {
  header: ResponseHeaderMessage;
  succeeded: boolean;
  responses: { response_range?: RangeResponseMessage | null; response_delete_range?: { prev_kvs: KeyValueMessage[] } | null }[];
}

/** a watch's event: type 0 PUT, 1 DELETE; prev_kv when the watch asked for it */
export interface EventMessage {
  type: number;
  kv: KeyValueMessage;
  prev_kv?: KeyValueMessage | null;
}
export interface WatchResponseMessage {
  header: ResponseHeaderMessage;
  created: boolean;
  canceled: boolean;
  compact_revision: Int64;
  cancel_reason: string;
  events: EventMessage[];
}
export interface WatchCreateRequest {
  key: Buffer;
  range_end: Buffer;
  /** the first revision to deliver (0: from now on) */
  start_revision: number;
  prev_kv: boolean;
}
export interface EtcdWatchHandlers {
  /** every message etcd sends on the stream, in order (created, events, cancellation) */
  onResponse(res: WatchResponseMessage): void;
  /** the stream ended without cancel() being called; called once, nothing follows */
  onEnd(err: GrpcError): void;
}
export interface EtcdWatchStream {
  /** ends the stream; no callback follows */
  cancel(): void;
}

export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: number;
  revision?: number;
  count_only?: boolean;
}
/** Compare's target and result as etcd numbers them */
export const Target = { Version: 0, Create: 1, Mod: 2 } as const;
export const Result = { Equal: 0, Greater: 1 } as const;
export interface Compare {
  key: Buffer;
  target: number;
  result: number;
  version?: number;
  create_revision?: number;
  mod_revision?: number;
}
export type RequestOp =
  | { request_range: RangeRequest }
  | { request_put: { key: Buffer; value: Buffer; lease?: number | string } }
  | { request_delete_range: { key: Buffer; prev_kv?: boolean } };
export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

/** a failed call, with gRPC's status code (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED, ...) */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    details: string,
  ) {
    super(`${code} ${STATUS_NAMES[code] ?? 'UNKNOWN'}: ${details}`);
    this.name = 'GrpcError';
  }
}

const STATUS_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  11: 'OUT_OF_RANGE',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

/** etcd's rpc.proto and its imports, as the etcd3 package ships them */
function loadTypes() {
  const protoDir = join(dirname(createRequire(import.meta.url).resolve('etcd3')), '..', 'proto');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^\.\//, ''));
  root.loadSync('rpc.proto', { keepCase: true });
  const type = (name: string) => root.lookupType(`etcdserverpb.${name}`);
  return {
    RangeRequest: type('RangeRequest'),
    RangeResponse: type('RangeResponse'),
    TxnRequest: type('TxnRequest'),
    TxnResponse: type('TxnResponse'),
    CompactionRequest: type('CompactionRequest'),
    CompactionResponse: type('CompactionResponse'),
    LeaseGrantRequest: type('LeaseGrantRequest'),
    LeaseGrantResponse: type('LeaseGrantResponse'),
    WatchRequest: type('WatchRequest'),
    WatchResponse: type('WatchResponse'),
  };
}
let types: ReturnType<typeof loadTypes> | undefined;

/** sessions whose connection was made: a call on any other sent nothing */
const connected = new WeakSet<ClientHttp2Session>();

/** how often an open session is pinged, and how long a ping may go unanswered (ms) */
export interface Keepalive {
  interval: number;
  timeout: number;
}
const KEEPALIVE_MS: Keepalive = { interval: 15_000, timeout: 5_000 };

export function int64(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** a gRPC message: the 5-byte prefix (uncompressed, length) and the body */
function frameOf(type: protobuf.Type, message: object): Buffer {
  const body = type.encode(message).finish();
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame[0] = 0;
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
}

export class EtcdGrpc {
  private session?: ClientHttp2Session;
  private next = 0;
  private closed = false;

  constructor(
    private readonly endpoints: string[],
    private readonly requestTimeoutMs: number,
    private readonly keepalive: Keepalive = KEEPALIVE_MS,
  ) {
    types ??= loadTypes();
  }

  range(req: RangeRequest): Promise<RangeResponseMessage> {
    return this.call('KV/Range', types!.RangeRequest, types!.RangeResponse, req) as Promise<RangeResponseMessage>;
  }

  txn(req: TxnRequest): Promise<TxnResponseMessage> {
    return this.call('KV/Txn', types!.TxnRequest, types!.TxnResponse, req) as Promise<TxnResponseMessage>;
  }

  async compact(revision: number, physical: boolean): Promise<void> {
    await this.call('KV/Compact', types!.CompactionRequest, types!.CompactionResponse, { revision, physical });
  }

  /** a new lease of ttlSeconds; its ID as a decimal string (IDs use all 64 bits) */
  async leaseGrant(ttlSeconds: number): Promise<string> {
    const res = (await this.call('Lease/LeaseGrant', types!.LeaseGrantRequest, types!.LeaseGrantResponse, { TTL: ttlSeconds })) as {
      ID: Int64;
      error: string;
    };
    if (res.error) throw new GrpcError(2, `etcd refused the lease: ${res.error}`);
    return String(res.ID);
  }

  /** one Watch stream carrying this one watch */
  watch(req: WatchCreateRequest, handlers: EtcdWatchHandlers): EtcdWatchStream {
    let ended = false;
    const end = (err: GrpcError) => {
      if (ended) return;
      ended = true;
      handlers.onEnd(err);
    };
    // a watch that cannot start still ends through onEnd, never from inside this call
    const endLater = (err: GrpcError): EtcdWatchStream => {
      queueMicrotask(() => end(err));
      return { cancel: () => (ended = true) };
    };
    if (this.closed) return endLater(new GrpcError(1, 'the etcd client is closed'));
    let stream: ClientHttp2Stream;
    try {
      stream = this.connection().request(this.headers('Watch/Watch', false), { endStream: false });
    } catch (err) {
      return endLater(new GrpcError(14, (err as Error).message));
    }
    const status = new StatusReader(stream);
    // a large message comes in many chunks: they are joined once it is whole
    let chunks: Buffer[] = [];
    let buffered = 0;
    stream.on('data', (chunk: Buffer) => {
      if (ended) return;
      chunks.push(chunk);
      buffered += chunk.length;
      while (buffered >= 5) {
        if (chunks[0]!.length < 5) chunks = [Buffer.concat(chunks)];
        const len = chunks[0]!.readUInt32BE(1);
        if (buffered < 5 + len) return;
        const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (buf[0] !== 0) {
          stream.close(constants.NGHTTP2_CANCEL);
          return end(new GrpcError(13, 'etcd sent a compressed watch message'));
        }
        let res: WatchResponseMessage;
        try {
          res = types!.WatchResponse.decode(buf.subarray(5, 5 + len)) as unknown as WatchResponseMessage;
        } catch (err) {
          stream.close(constants.NGHTTP2_CANCEL);
          return end(new GrpcError(13, `cannot decode etcd's watch message: ${(err as Error).message}`));
        }
        const rest = buf.subarray(5 + len);
        chunks = rest.length > 0 ? [rest] : [];
        buffered = rest.length;
        handlers.onResponse(res);
        if (ended) return;
      }
    });
    stream.on('error', (err) => end(new GrpcError(14, err.message)));
    stream.on('close', () => end(status.error('the watch stream', stream) ?? new GrpcError(14, 'etcd ended the watch stream')));
    stream.write(frameOf(types!.WatchRequest, { create_request: req }));
    return {
      cancel: () => {
        ended = true;
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      },
    };
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private headers(method: string, deadline: boolean) {
    return {
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: `/etcdserverpb.${method}`,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
      te: 'trailers',
      ...(deadline ? { 'grpc-timeout': `${this.requestTimeoutMs}m` } : {}),
    };
  }

  private connection(): ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const endpoint = this.endpoints[this.next++ % this.endpoints.length]!;
    const session = connect(endpoint);
    let pinger: NodeJS.Timeout | undefined;
    session.once('connect', () => {
      connected.add(session);
      pinger = setInterval(() => ping(session, this.keepalive.timeout), this.keepalive.interval).unref();
    });
    const drop = () => {
      clearInterval(pinger);
      if (this.session === session) this.session = undefined;
    };
    // the streams on it fail on their own; the next call opens a new session
    session.on('error', drop);
    session.on('close', drop);
    session.on('goaway', drop);
    session.unref();
    this.session = session;
    return session;
  }

  private async call(method: string, reqType: protobuf.Type, resType: protobuf.Type, req: object): Promise<unknown> {
    if (this.closed) throw new GrpcError(1, 'the etcd client is closed');
    const frame = frameOf(reqType, req);
    for (let tries = 1; ; tries++) {
      const session = this.connection();
      try {
        return await this.send(session, method, frame, resType);
      } catch (err) {
        // nothing reached this endpoint: the next one may take the call
        if (!connected.has(session) && tries < this.endpoints.length && !this.closed) continue;
        throw err;
      }
    }
  }

  private send(session: ClientHttp2Session, method: string, frame: Buffer, resType: protobuf.Type): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = session.request(this.headers(method, true));
      } catch (err) {
        reject(new GrpcError(14, (err as Error).message));
        return;
      }
      let settled = false;
      const finish = (err: GrpcError | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(value);
      };
      const timer = setTimeout(() => finish(new GrpcError(4, `no answer from etcd within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
      const chunks: Buffer[] = [];
      const status = new StatusReader(stream);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => finish(new GrpcError(14, err.message)));
      stream.on('close', () => {
        if (settled) return;
        const err = status.error(method, stream);
        if (err) return finish(err);
        const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (data.length < 5 || data[0] !== 0 || data.readUInt32BE(1) !== data.length - 5) {
          return finish(new GrpcError(13, `etcd's answer to ${method} is not one uncompressed message`));
        }
        try {
          finish(undefined, resType.decode(data.subarray(5)));
        } catch (err) {
          finish(new GrpcError(13, `cannot decode etcd's answer to ${method}: ${(err as Error).message}`));
        }
      });
      stream.end(frame);
    });
  }
}

/** the gRPC status of a stream, from its response headers or trailers */
class StatusReader {
  private status?: string;
  private message = '';
  private httpStatus = 200;

  constructor(stream: ClientHttp2Stream) {
    stream.on('response', (headers) => {
      this.httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
      this.read(headers);
    });
    stream.on('trailers', (headers) => this.read(headers));
  }

  /** undefined for OK; otherwise why the stream failed */
  error(what: string, stream: ClientHttp2Stream): GrpcError | undefined {
    if (this.httpStatus !== 200) return new GrpcError(this.httpStatus === 503 ? 14 : 2, `etcd answered HTTP ${String(this.httpStatus)} to ${what}`);
    if (this.status === undefined) return new GrpcError(14, `${what} closed without a gRPC status (code ${stream.rstCode})`);
    if (this.status !== '0') return new GrpcError(Number(this.status), this.message);
    return undefined;
  }

  private read(headers: Record<string, unknown>): void {
    if (headers['grpc-status'] !== undefined) this.status = String(headers['grpc-status']);
    if (headers['grpc-message'] !== undefined) this.message = decodeURIComponent(String(headers['grpc-message']));
  }
}

/** pings the session, destroying it when no answer comes in time (its streams then fail) */
function ping(session: ClientHttp2Session, timeoutMs: number): void {
  if (session.closed || session.destroyed) return;
  const timer = setTimeout(() => session.destroy(new Error(`etcd did not answer a ping within ${timeoutMs} ms`)), timeoutMs).unref();
  try {
    session.ping(() => clearTimeout(timer));
  } catch {
    clearTimeout(timer);
  }
}
