// `skiff exec`: a command in a running container through the apiserver's
// pods/exec, over WebSocket. With -t on a terminal the local terminal goes
// raw and follows window size changes; the remote exit code becomes ours.
import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';
import type { Pod } from '../api/core/v1.js';
import { findResource } from '../api/resources.js';
import {
  RemoteCommandExitError,
  streamRemoteCommand,
  type TerminalSize,
  type TerminalSizeSource,
} from '../client/remotecommand.js';
import { CliError, ReportedError, type CliContext } from './context.js';
import { defaultContainer, resolvePod } from './pod-target.js';

const PODS = findResource('', 'v1', 'pods')!;

export interface ExecFlags {
  stdin?: boolean;
  tty?: boolean;
  container?: string;
  quiet?: boolean;
  podRunningTimeout?: string;
}

export interface ExecIO {
  in: NodeJS.ReadableStream;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function terminalSize(out: NodeJS.WritableStream): TerminalSizeSource {
  const tty = out as NodeJS.WriteStream;
  const size = (): TerminalSize | undefined =>
    tty.isTTY && tty.columns && tty.rows ? { width: tty.columns, height: tty.rows } : undefined;
  return {
    current: size,
    subscribe(listener) {
      // Node turns SIGWINCH into 'resize' on a TTY stdout.
      const onResize = () => {
        const s = size();
        if (s) listener(s);
      };
      tty.on('resize', onResize);
      return () => tty.off('resize', onResize);
    },
  };
}

export async function runExec(ctx: CliContext, io: ExecIO, target: string, command: string[], flags: ExecFlags): Promise<void> {
  if (command.length === 0) throw new CliError('you must specify at least one command for the container');
  const pod: Pod = await resolvePod(ctx.client, ctx.namespace, target, { warn: ctx.err });
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  const container = defaultContainer(pod, flags.container, flags.quiet ? undefined : ctx.err);

  const stdinWanted = Boolean(flags.stdin);
  let tty = Boolean(flags.tty) && stdinWanted;
  const input = io.in as ReadStream;
  if (tty && !input.isTTY) {
    if (!flags.quiet) io.err.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }

  const path = ctx.client.resource(PODS).path(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name!, 'exec');
  const query = {
    command,
    container,
    stdin: stdinWanted ? 'true' : undefined,
    stdout: 'true',
    stderr: tty ? undefined : 'true',
    tty: tty ? 'true' : undefined,
  };
  const raw = tty && typeof input.setRawMode === 'function';
  if (raw) input.setRawMode(true);
  try {
    await streamRemoteCommand(ctx.client.config, path, query, {
      stdin: stdinWanted ? (io.in as Readable) : undefined,
      stdout: io.out as Writable,
      stderr: io.err as Writable,
      tty,
      ...(tty ? { resize: terminalSize(io.out) } : {}),
    });
  } catch (err) {
    if (err instanceof RemoteCommandExitError) {
      // kubectl prints this line without "error: " and exits with the command's code.
      io.err.write(`${err.message}\n`);
      throw new ReportedError(err.exitCode);
    }
    throw err;
  } finally {
    if (raw) input.setRawMode(false);
  }
}
