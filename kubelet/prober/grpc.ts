// grpc probes (pkg/probe/grpc): one grpc.health.v1.Health/Check call over
// plaintext HTTP/2, SERVING is success. The health protocol's two messages are
// tiny, so they are encoded here rather than through a protobuf library.
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { goQuote } from '../../src/machinery/goformat.js';
import { deadline, dialErrorText, goDuration, joinHostPort, PROBE_USER_AGENT, type ProbeOutcome } from './outcome.js';

const CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];
const CODE_DEADLINE_EXCEEDED = 4;
const CODE_UNIMPLEMENTED = 12;
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const SERVING = 1;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** HealthCheckRequest{service} in a gRPC length-prefixed frame. */
export function encodeCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, ...varint(name.length)]), name]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** The `status` field (1) of a HealthCheckResponse frame; 0 (UNKNOWN) when absent, as proto3 defaults. */
export function decodeCheckResponse(frame: Buffer): number {
  if (frame.length < 5) throw new Error('short gRPC frame');
  const length = frame.readUInt32BE(1);
  const msg = frame.subarray(5, 5 + length);
  let pos = 0;
  let status = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = msg[pos++];
      if (b === undefined) throw new Error('truncated protobuf varint');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < msg.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) status = v;
    } else if (wire === 1) pos += 8;
    else if (wire === 2) pos += readVarint();
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return status;
}

function decodeGrpcMessage(s: string | string[] | undefined): string {
  const text = Array.isArray(s) ? s.join(',') : (s ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function openSession(address: string, signal: AbortSignal): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${address}`);
    const onAbort = (): void => {
      session.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    session.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(session);
    });
    session.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      session.destroy();
      reject(err);
    });
  });
}

interface RpcReply {
  httpStatus: number;
  grpcStatus?: number;
  grpcMessage: string;
  body: Buffer;
}

function check(session: ClientHttp2Session, service: string, timeoutMs: number, signal: AbortSignal): Promise<RpcReply> {
  return new Promise((resolve, reject) => {
    const req = session.request(
      {
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': PROBE_USER_AGENT,
        'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
      },
      { signal },
    );
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => (headers = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const status = trailers['grpc-status'] ?? headers['grpc-status'];
      resolve({
        httpStatus: Number(headers[':status'] ?? 0),
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: decodeGrpcMessage(trailers['grpc-message'] ?? headers['grpc-message']),
        body: Buffer.concat(chunks),
      });
    });
    req.end(encodeCheckRequest(service));
  });
}

export async function grpcProbe(host: string, port: number, service: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  const address = joinHostPort(host, port);
  const within = goDuration(timeoutMs);
  const limit = deadline(timeoutMs, signal);
  let session: ClientHttp2Session | undefined;
  try {
    try {
      session = await openSession(address, limit.signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      if (limit.timedOut()) {
        return { result: 'failure', output: `timeout: failed to connect service ${goQuote(address)} within ${within}: context deadline exceeded` };
      }
      return { result: 'failure', output: `error: failed to connect service at ${goQuote(address)}: ${dialErrorText(e as NodeJS.ErrnoException, address)}` };
    }
    let reply: RpcReply;
    try {
      reply = await check(session, service, timeoutMs, limit.signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      if (limit.timedOut()) return { result: 'failure', output: `timeout: health rpc did not complete within ${within}` };
      return { result: 'failure', output: `error: health rpc probe failed: ${(e as Error).message}` };
    }
    const code = reply.grpcStatus ?? (reply.httpStatus === 200 ? 0 : 2);
    if (code === CODE_UNIMPLEMENTED) {
      return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${reply.grpcMessage}` };
    }
    if (code === CODE_DEADLINE_EXCEEDED) return { result: 'failure', output: `timeout: health rpc did not complete within ${within}` };
    if (code !== 0) {
      const desc = reply.grpcStatus === undefined ? `unexpected HTTP status code received from server: ${reply.httpStatus}` : reply.grpcMessage;
      return { result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${desc}` };
    }
    const status = decodeCheckResponse(reply.body);
    if (status !== SERVING) {
      return { result: 'failure', output: `service unhealthy (responded with ${goQuote(SERVING_STATUS[status] ?? String(status))})` };
    }
    return { result: 'success', output: 'service healthy' };
  } finally {
    limit.done();
    session?.destroy();
  }
}
