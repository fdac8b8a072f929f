// One exec or attach session over a WebSocket that already speaks a channel
// protocol: stdin, stdout, stderr and resize between the socket and the
// runtime's stream session, then the command's outcome on the error channel.
import { PassThrough, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { ContainerRuntime, StreamSession } from '../runtime/interface.js';
import {
  CHANNEL_CLOSE,
  CHANNEL_ERROR,
  CHANNEL_RESIZE,
  CHANNEL_STDERR,
  CHANNEL_STDIN,
  CHANNEL_STDOUT,
  decodeFrame,
  encodeFrame,
  exitStatus,
  type ChannelProtocol,
} from '../../src/client/remotecommand.js';

export interface StreamRequest {
  kind: 'exec' | 'attach';
  containerId: string;
  /** exec only */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** How long queued output may take to reach the socket after the process ended. */
const OUTPUT_DRAIN_MS = 2000;

/** Sends what is written to it as frames of one channel; drops it once the socket is gone. */
class ChannelWriter extends Writable {
  constructor(
    private readonly ws: WebSocket,
    private readonly protocol: ChannelProtocol,
    private readonly channel: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return done();
    this.ws.send(encodeFrame(this.protocol, this.channel, chunk), () => done());
  }
}

function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(v.Width);
    const height = Number(v.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

function whenFinished(w: Writable): Promise<void> {
  if (w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
  });
}

/**
 * Runs the session to its end: the runtime process is started once the
 * socket is open, and the socket is closed after the outcome was written.
 */
export async function serveStream(
  ws: WebSocket,
  protocol: ChannelProtocol,
  req: StreamRequest,
  runtime: ContainerRuntime,
  log?: Logger,
): Promise<void> {
  const stderrWanted = req.stderr && !req.tty;
  const stdin = req.stdin ? new PassThrough() : undefined;
  const stdout = req.stdout ? new ChannelWriter(ws, protocol, CHANNEL_STDOUT) : undefined;
  const stderr = stderrWanted ? new ChannelWriter(ws, protocol, CHANNEL_STDERR) : undefined;
  let session: StreamSession | undefined;
  let pendingSize: { width: number; height: number } | undefined;
  let clientGone = false;

  // Tells the client the connection is up, on the lowest channel it reads.
  const first = req.stdout ? CHANNEL_STDOUT : stderrWanted ? CHANNEL_STDERR : CHANNEL_ERROR;
  ws.send(encodeFrame(protocol, first, Buffer.alloc(0)));

  ws.on('message', (raw, isBinary) => {
    const frame = decodeFrame(protocol, raw, isBinary);
    if (!frame) return;
    if (frame.channel === CHANNEL_STDIN) {
      if (stdin && !stdin.writableEnded && frame.data.length > 0) stdin.write(frame.data);
    } else if (frame.channel === CHANNEL_RESIZE && req.tty) {
      const size = parseResize(frame.data);
      if (!size) return;
      if (session) session.resize(size.width, size.height).catch((err: unknown) => log?.debug({ err }, 'resize failed'));
      else pendingSize = size;
    } else if (frame.channel === CHANNEL_CLOSE && protocol.version >= 5) {
      if (frame.data[0] === CHANNEL_STDIN) stdin?.end();
    }
  });
  ws.on('close', () => {
    clientGone = true;
    stdin?.end();
    session?.close();
  });
  ws.on('error', (err) => log?.debug({ err }, 'stream socket error'));

  const writeOutcome = (status: object, text: string | undefined) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (protocol.version >= 4) ws.send(encodeFrame(protocol, CHANNEL_ERROR, JSON.stringify(status)));
    else if (text) ws.send(encodeFrame(protocol, CHANNEL_ERROR, text));
  };

  try {
    const streams = { stdin, stdout, stderr, tty: req.tty };
    session =
      req.kind === 'exec'
        ? await runtime.exec(req.containerId, req.command, streams)
        : await runtime.attach(req.containerId, streams);
    if (clientGone) session.close();
    if (pendingSize) await session.resize(pendingSize.width, pendingSize.height).catch(() => undefined);
    const code = await session.exited;
    // Everything the process wrote is queued by now: flush it before the outcome.
    const outputs = [stdout, stderr].filter((w): w is ChannelWriter => w !== undefined);
    for (const w of outputs) if (!w.writableEnded) w.end();
    await Promise.race([Promise.all(outputs.map(whenFinished)), new Promise((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref())]);
    if (req.kind === 'exec') {
      const status = exitStatus(code, req.command);
      writeOutcome(status, code === 0 ? undefined : status.message);
    } else {
      writeOutcome(exitStatus(0), undefined);
    }
  } catch (err) {
    const message = `error executing command in container: ${(err as Error).message}`;
    log?.warn({ err, container: req.containerId }, 'stream session failed');
    writeOutcome(
      {
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: ${message}`,
        reason: 'InternalError',
        details: { causes: [{ message }] },
        code: 500,
      },
      message,
    );
  } finally {
    stdin?.end();
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
}
