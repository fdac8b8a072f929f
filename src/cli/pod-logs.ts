// `skiff logs`: a container's output through the apiserver's pods/log,
// with kubectl's flags and its choice of pod and container.
import type { Pod } from '../api/core/v1.js';
import { findResource } from '../api/resources.js';
import type { Query } from '../client/paths.js';
import { CliError, type CliContext } from './context.js';
import { defaultContainer, resolvePod } from './pod-target.js';

const PODS = findResource('', 'v1', 'pods')!;

export interface LogsFlags {
  follow?: boolean;
  container?: string;
  previous?: boolean;
  /** -1: every line */
  tail: number;
  since?: string;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
  allContainers?: boolean;
  prefix?: boolean;
  podRunningTimeout?: string;
}

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("5m", "1h30m", "90s") in seconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (text === '' || consumed !== text.length) throw new CliError(`time: invalid duration "${text}"`);
  return total;
}

/** The pods/log query for one container (kubectl's PodLogOptions). */
export function logQuery(container: string, flags: LogsFlags): Query {
  if (flags.since && flags.sinceTime) throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  const q: Query = { container };
  if (flags.follow) q.follow = 'true';
  if (flags.previous) q.previous = 'true';
  if (flags.timestamps) q.timestamps = 'true';
  if (flags.tail >= 0) q.tailLines = String(flags.tail);
  if (flags.limitBytes !== undefined && flags.limitBytes > 0) q.limitBytes = String(flags.limitBytes);
  if (flags.since) {
    const seconds = Math.round(parseDuration(flags.since));
    if (seconds <= 0) throw new CliError('--since must be greater than 0');
    q.sinceSeconds = String(seconds);
  }
  if (flags.sinceTime) {
    const t = Date.parse(flags.sinceTime);
    if (Number.isNaN(t)) throw new CliError(`--since-time only accepts times matching RFC3339, e.g. 2006-01-02T15:04:05Z`);
    q.sinceTime = new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return q;
}

/** Copies one container's log stream to `out`, each line prefixed when asked. */
async function copyLog(ctx: CliContext, pod: Pod, container: string, flags: LogsFlags, prefix: string): Promise<void> {
  const path = ctx.client.resource(PODS).path(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name!, 'log');
  const res = await ctx.client.stream('GET', path, { query: logQuery(container, flags), accept: '*/*' });
  let partial = '';
  for await (const chunk of res.body) {
    const buf = Buffer.from(chunk);
    if (!prefix) {
      if (!ctx.out.write(buf)) await new Promise((r) => ctx.out.once('drain', r));
      continue;
    }
    const text = partial + buf.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    if (lines.length > 0) ctx.out.write(lines.map((l) => `${prefix}${l}\n`).join(''));
  }
  if (prefix && partial) ctx.out.write(`${prefix}${partial}\n`);
}

export async function runLogs(ctx: CliContext, target: string, containerArg: string | undefined, flags: LogsFlags): Promise<void> {
  if (flags.container && containerArg) {
    throw new CliError(`only one of -c or an inline [CONTAINER] arg is allowed`);
  }
  const timeoutMs = flags.podRunningTimeout ? parseDuration(flags.podRunningTimeout) * 1000 : undefined;
  const pod = await resolvePod(ctx.client, ctx.namespace, target, { warn: ctx.err, ...(timeoutMs ? { timeoutMs } : {}) });
  if (!flags.allContainers) {
    const container = defaultContainer(pod, flags.container ?? containerArg, ctx.err);
    return copyLog(ctx, pod, container, flags, flags.prefix ? `[pod/${pod.metadata.name}/${container}] ` : '');
  }
  if (flags.container || containerArg) throw new CliError('--all-containers=true should not be specified with container name');
  const names = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  const prefixOf = (c: string) => (flags.prefix ? `[pod/${pod.metadata.name}/${c}] ` : '');
  // Following interleaves every container as lines arrive; otherwise one after another, as kubectl.
  if (flags.follow) await Promise.all(names.map((c) => copyLog(ctx, pod, c, flags, prefixOf(c))));
  else for (const c of names) await copyLog(ctx, pod, c, flags, prefixOf(c));
}
