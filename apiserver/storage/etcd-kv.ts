// etcd's KV service (Range and Txn), the calls behind every read and write
// of the apiserver, as plain gRPC unary calls on one HTTP/2 session.
//
// Why not through the etcd3 client like the watches and leases: on the same
// etcd, a Txn through etcd3 (grpc-js with proto-loader's object conversion,
// cockatiel's retry and circuit breaker) costs the calling process about
// twice the CPU of one made here (`npm run bench:etcd-client`: 185-296 µs
// against 93-117 µs). An apiserver makes one or two such calls per request,
// so that difference is a fifth to a quarter of its CPU. The messages are etcd's own: the .proto files etcd3
// ships, encoded and decoded by protobufjs without conversion to plain objects.
//
// A call that reached etcd is never retried here: a write whose answer was
// lost may have been applied, and only the caller's own precondition (the
// revision it compares) can tell. A call whose connection could not be made
// at all is tried on the next endpoint, since nothing was sent. A call that
// cannot reach any etcd, or gets no answer before its deadline, fails with
// gRPC's UNAVAILABLE or DEADLINE_EXCEEDED code, which the storage maps to
// 'Unavailable'. The session is reopened on the next call after it closes.
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
  return { RangeRequest: type('RangeRequest'), RangeResponse: type('RangeResponse'), TxnRequest: type('TxnRequest'), TxnResponse: type('TxnResponse') };
}
let types: ReturnType<typeof loadTypes> | undefined;

/** sessions whose connection was made: a call on any other sent nothing */
const connected = new WeakSet<ClientHttp2Session>();

export function int64(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export class EtcdKV {
  private session?: ClientHttp2Session;
  private next = 0;
  private closed = false;

  constructor(
    private readonly endpoints: string[],
    private readonly requestTimeoutMs: number,
  ) {
    types ??= loadTypes();
  }

  range(req: RangeRequest): Promise<RangeResponseMessage> {
    return this.call('Range', types!.RangeRequest, types!.RangeResponse, req) as Promise<RangeResponseMessage>;
  }

  txn(req: TxnRequest): Promise<TxnResponseMessage> {
    return this.call('Txn', types!.TxnRequest, types!.TxnResponse, req) as Promise<TxnResponseMessage>;
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private connection(): ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const endpoint = this.endpoints[this.next++ % this.endpoints.length]!;
    const session = connect(endpoint);
    session.once('connect', () => connected.add(session));
    const drop = () => {
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
    const body = reqType.encode(req).finish();
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
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
        stream = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/etcdserverpb.KV/${method}`,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
          te: 'trailers',
          'grpc-timeout': `${this.requestTimeoutMs}m`,
        });
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
      let status: string | undefined;
      let message = '';
      const readStatus = (headers: Record<string, unknown>) => {
        if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']);
        if (headers['grpc-message'] !== undefined) message = decodeURIComponent(String(headers['grpc-message']));
      };
      stream.on('response', (headers) => {
        const httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
        if (httpStatus !== 200) finish(new GrpcError(httpStatus === 503 ? 14 : 2, `etcd answered HTTP ${String(httpStatus)}`));
        readStatus(headers);
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => finish(new GrpcError(14, err.message)));
      stream.on('close', () => {
        if (settled) return;
        if (status === undefined) return finish(new GrpcError(14, `the stream closed without a gRPC status (code ${stream.rstCode})`));
        if (status !== '0') return finish(new GrpcError(Number(status), message));
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
