// Kubernetes' remote command protocol over WebSocket (pods/exec, pods/attach):
// the channel framing both ends speak, and the client that kubectl's
// `exec`/`attach` and `skiff exec` use.
//
// Every WebSocket message carries one channel: binary protocols prefix the
// data with the channel byte, base64 ones prefix a digit and base64 the rest.
// Channels: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255, the
// close signal whose one data byte names the stream the sender finished (so
// stdin can be half-closed). From v4 on the error channel carries a JSON
// metav1.Status (Success, or Failure with reason NonZeroExitCode and an
// ExitCode cause); before v4 it carries the error text.
import type { Readable, Writable } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { isStatus, StatusError, type Status } from '../api/status.js';
import type { ClientConfig } from './kubeconfig.js';
import { encodeQuery, type Query } from './paths.js';

export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
export const STREAM_PROTOCOL_V4_BASE64 = 'v4.base64.channel.k8s.io';
export const STREAM_PROTOCOL_V1 = 'channel.k8s.io';
export const STREAM_PROTOCOL_V1_BASE64 = 'base64.channel.k8s.io';

/** What a server accepts, most capable first. */
export const STREAM_PROTOCOLS = [
  STREAM_PROTOCOL_V5,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V4_BASE64,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V1_BASE64,
] as const;

export const CHANNEL_STDIN = 0;
export const CHANNEL_STDOUT = 1;
export const CHANNEL_STDERR = 2;
export const CHANNEL_ERROR = 3;
export const CHANNEL_RESIZE = 4;
export const CHANNEL_CLOSE = 255;

export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE = 'ExitCode';

export interface ChannelProtocol {
  name: string;
  /** 1 stands for every version before v4: plain-text errors */
  version: 1 | 4 | 5;
  base64: boolean;
}

/**
 * The protocol for a negotiated subprotocol name; a connection that named
 * none speaks the original binary channel protocol.
 */
export function channelProtocol(name: string | undefined): ChannelProtocol | undefined {
  switch (name ?? '') {
    case '':
    case STREAM_PROTOCOL_V1:
      return { name: name ?? '', version: 1, base64: false };
    case STREAM_PROTOCOL_V1_BASE64:
      return { name: name!, version: 1, base64: true };
    case STREAM_PROTOCOL_V4:
      return { name: name!, version: 4, base64: false };
    case STREAM_PROTOCOL_V4_BASE64:
      return { name: name!, version: 4, base64: true };
    case STREAM_PROTOCOL_V5:
      return { name: name!, version: 5, base64: false };
    default:
      return undefined;
  }
}

/** One message for the wire: a Buffer is sent as a binary frame, a string as a text frame. */
export function encodeFrame(p: ChannelProtocol, channel: number, data: Uint8Array | string): Buffer | string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (p.base64) return String.fromCharCode(48 + channel) + bytes.toString('base64');
  const frame = Buffer.allocUnsafe(bytes.length + 1);
  frame[0] = channel;
  bytes.copy(frame, 1);
  return frame;
}

/** Splits a received message into channel and data; undefined for an empty or malformed one. */
export function decodeFrame(p: ChannelProtocol, raw: RawData, isBinary: boolean): { channel: number; data: Buffer } | undefined {
  const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  if (buf.length === 0) return undefined;
  if (p.base64 && !isBinary) {
    const channel = buf[0]! - 48;
    if (channel < 0 || channel > 9) return undefined;
    return { channel, data: Buffer.from(buf.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: buf[0]!, data: buf.subarray(1) };
}

/** The error-channel Status for a finished command (`cmd` as run), as the kubelet writes it from v4 on. */
export function exitStatus(exitCode: number, cmd: string[] = []): Omit<Status, 'kind' | 'apiVersion' | 'code'> & { metadata: Record<string, never> } {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: NON_ZERO_EXIT_CODE_REASON as Status['reason'],
    details: { causes: [{ reason: EXIT_CODE_CAUSE, message: String(exitCode) }] },
  };
}

/** The remote command ended with a non-zero exit code (kubectl exits with that code). */
export class RemoteCommandExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`command terminated with exit code ${exitCode}`);
    this.name = 'RemoteCommandExitError';
  }
}

/**
 * What the error channel's content means: undefined for success, a
 * RemoteCommandExitError for a non-zero exit, any other error otherwise
 * (client-go's errorDecoderV4 and its pre-v4 text counterpart).
 */
export function decodeErrorChannel(p: ChannelProtocol, data: Buffer): Error | undefined {
  const text = data.toString('utf8');
  if (text.trim() === '') return undefined;
  if (p.version < 4) return new Error(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new Error(`error stream protocol error: ${text}`);
  }
  const s = parsed as Omit<Partial<Status>, 'reason'> & { reason?: string };
  if (s.status === 'Success') return undefined;
  if (s.status !== 'Failure') return new Error('error stream protocol error: unknown error');
  if (s.reason === NON_ZERO_EXIT_CODE_REASON) {
    const cause = s.details?.causes?.find((c) => c.reason === EXIT_CODE_CAUSE);
    const code = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : Number.NaN;
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      return new Error(`error stream protocol error: no valid ${EXIT_CODE_CAUSE} cause given`);
    }
    return new RemoteCommandExitError(code);
  }
  return StatusError.fromStatus({ ...s, reason: s.reason as Status['reason'], code: typeof s.code === 'number' ? s.code : 500 });
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** The local terminal's size now and as it changes (SIGWINCH). */
export interface TerminalSizeSource {
  current(): TerminalSize | undefined;
  /** returns the unsubscribe function */
  subscribe(listener: (size: TerminalSize) => void): () => void;
}

export interface RemoteCommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  resize?: TerminalSizeSource;
}

export interface RemoteCommandOptions {
  signal?: AbortSignal;
  userAgent?: string;
  /** subprotocols to offer, most preferred first (default v5 then v4) */
  protocols?: string[];
}

/**
 * Runs one exec or attach request: opens the WebSocket on `path` (e.g.
 * /api/v1/namespaces/ns/pods/web/exec) with `query`, copies the streams, and
 * resolves once the server closes the connection after a successful command.
 * Rejects with RemoteCommandExitError for a non-zero exit code, with the
 * server's StatusError when it refuses the request, and with
 * "unable to upgrade connection: ..." when it answers without a Status.
 */
export function streamRemoteCommand(
  config: ClientConfig,
  path: string,
  query: Query,
  streams: RemoteCommandStreams,
  opts: RemoteCommandOptions = {},
): Promise<void> {
  const base = new URL(config.server);
  const url = new URL(base.pathname.replace(/\/+$/, '') + path + encodeQuery(query), base);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const headers: Record<string, string> = {};
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  if (opts.userAgent) headers['user-agent'] = opts.userAgent;
  const ws = new WebSocket(url, opts.protocols ?? [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4], {
    headers,
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.clientCert ? { cert: config.clientCert } : {}),
    ...(config.clientKey ? { key: config.clientKey } : {}),
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    rejectUnauthorized: !config.insecureSkipTLSVerify,
    perMessageDeflate: false,
  });
  return runClient(ws, streams, opts.signal);
}

function runClient(ws: WebSocket, streams: RemoteCommandStreams, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let protocol: ChannelProtocol | undefined;
    let remoteError: Error | undefined;
    let settled = false;
    const cleanups: (() => void)[] = [];
    const pendingWrites = new Set<Promise<void>>();

    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      void Promise.all(pendingWrites).then(() => (err ? reject(err) : resolve()));
    };

    const onAbort = () => {
      ws.terminate();
      finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }

    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        ws.terminate();
        finish(upgradeFailure(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', (err) => finish(err));
    });

    ws.on('error', (err) => finish(err));

    ws.on('open', () => {
      protocol = channelProtocol(ws.protocol);
      if (!protocol) {
        ws.terminate();
        return finish(new Error(`the server chose an unknown stream protocol "${ws.protocol}"`));
      }
      const p = protocol;
      const send = (channel: number, data: Uint8Array | string) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(encodeFrame(p, channel, data));
      };
      const { stdin, resize } = streams;
      if (resize && streams.tty) {
        const sendSize = (s: TerminalSize) => send(CHANNEL_RESIZE, JSON.stringify({ Width: s.width, Height: s.height }));
        const first = resize.current();
        if (first) sendSize(first);
        cleanups.push(resize.subscribe(sendSize));
      }
      if (stdin) {
        const onData = (chunk: Buffer | string) => send(CHANNEL_STDIN, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        // Only v5 can tell the server that stdin ended; older servers never see it.
        const onEnd = () => {
          if (p.version >= 5) send(CHANNEL_CLOSE, Buffer.from([CHANNEL_STDIN]));
        };
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        cleanups.push(() => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.pause();
        });
        stdin.resume();
      }
    });

    ws.on('message', (raw, isBinary) => {
      if (!protocol) return;
      const frame = decodeFrame(protocol, raw, isBinary);
      if (!frame) return;
      const { channel, data } = frame;
      if (channel === CHANNEL_STDOUT || channel === CHANNEL_STDERR) {
        const out = channel === CHANNEL_STDOUT ? streams.stdout : streams.stderr;
        if (!out || data.length === 0) return;
        const written = new Promise<void>((res) => {
          const ok = out.write(data, () => res());
          if (!ok) {
            // Hold the remote side until the local reader catches up.
            ws.pause();
            out.once('drain', () => ws.resume());
          }
        });
        pendingWrites.add(written);
        void written.then(() => pendingWrites.delete(written));
      } else if (channel === CHANNEL_ERROR) {
        remoteError = decodeErrorChannel(protocol, data) ?? remoteError;
      }
    });

    ws.on('close', () => finish(remoteError));
  });
}

/** The error for a refused upgrade: the server's Status when the body is one, else its text. */
export function upgradeFailure(statusCode: number, body: string): Error {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isStatus(parsed)) return StatusError.fromStatus({ ...parsed, code: parsed.code || statusCode }, statusCode);
  } catch {
    // not JSON: the body's text is the message
  }
  const text = body.trim();
  return new Error(`unable to upgrade connection: ${text || `the server answered ${statusCode}`}`);
}
