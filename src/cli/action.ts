// How a verb ends: whatever it throws becomes kubectl's one-line message on
// stderr and exit code 1, never a stack trace. Light on imports, because every
// command module wraps its action with this at start-up.
import { StatusError } from '../api/status.js';

/** Where a verb writes and reads; tests swap these to run the CLI in-process. */
export interface CliIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  in: NodeJS.ReadableStream;
  /** ends long-running verbs (get -w, waits) quietly; Ctrl-C does this for the real process */
  signal?: AbortSignal;
  /** how a failed verb reports its exit code; the process's exit code by default */
  setExitCode: (code: number) => void;
}

export const cliIO: CliIO = {
  out: process.stdout,
  err: process.stderr,
  in: process.stdin,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

// Clients made during one action; action() closes them so that the
// keep-alive pool does not hold the process open after the verb is done.
export const openClients = new Set<{ close(): Promise<void> }>();
// The server of the last client made, named in connection errors as kubectl names it.
export const lastServer: { url?: string } = {};

/** A user mistake or a refused operation, printed as `error: <message>` with exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Failures already reported (per-object errors of apply or delete): the verb
 * printed them as it went and only the exit code remains to be set.
 */
export class ReportedError extends CliError {
  constructor(exitCode = 1) {
    super('', exitCode);
    this.name = 'ReportedError';
  }
}

/**
 * Wraps a commander action: whatever the verb throws becomes kubectl's message
 * on stderr and exit code 1 (process.exitCode, so in-process callers keep
 * running). Clients the verb opened are closed afterwards.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof ReportedError)) cliIO.err.write(ensureNewline(errorMessage(err)));
      cliIO.setExitCode(err instanceof CliError ? err.exitCode : 1);
    } finally {
      const clients = [...openClients];
      openClients.clear();
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
  };
}

const ensureNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

/** kubectl's wording for an error (its cmdutil.CheckErr). */
export function errorMessage(err: unknown): string {
  if (err instanceof CliError) return `error: ${err.message}`;
  if (err instanceof StatusError) return statusErrorMessage(err);
  const conn = connectionErrorMessage(err);
  if (conn) return conn;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function statusErrorMessage(err: StatusError): string {
  if (err.reason === 'Invalid' || err.code === 422) {
    const d = err.details;
    if (!d) return 'The request is invalid';
    let s = 'The request is invalid';
    if (d.kind || d.name) s = `The ${d.kind ?? ''} "${d.name ?? ''}" is invalid`;
    const causes: string[] = [];
    for (const c of d.causes ?? []) {
      const m = `${c.field ?? ''}: ${c.message ?? ''}`;
      if (!causes.includes(m)) causes.push(m);
    }
    if (causes.length === 0) return d.kind || d.name ? s : `${s}: ${err.message}`;
    if (causes.length === 1) return `${s}: ${causes[0]}`;
    return `${s}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
  }
  if (err.reason === 'Unauthorized') return `error: You must be logged in to the server (${err.message})`;
  if (err.reason) return `Error from server (${err.reason}): ${err.message}`;
  return `Error from server: ${err.message}`;
}

/** kubectl's words for a server it cannot reach. */
export function connectionErrorMessage(err: unknown): string | undefined {
  const codes = new Set<string>();
  let text = '';
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) codes.add(code);
    if (!text) text = e.message;
    if (e instanceof AggregateError) for (const inner of e.errors) if ((inner as NodeJS.ErrnoException).code) codes.add(String((inner as NodeJS.ErrnoException).code));
  }
  const server = serverOf();
  if (codes.has('ECONNREFUSED')) {
    return `The connection to the server ${server ?? 'localhost:8080'} was refused - did you specify the right host or port?`;
  }
  const network = ['ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID'];
  if (network.some((c) => codes.has(c))) return `Unable to connect to the server: ${text}`;
  return undefined;
}

function serverOf(): string | undefined {
  if (!lastServer.url) return undefined;
  try {
    return new URL(lastServer.url).host;
  } catch {
    return lastServer.url;
  }
}

