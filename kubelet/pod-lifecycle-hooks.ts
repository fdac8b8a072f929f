// Container lifecycle hooks (postStart, preStop) as the kubelet's handler
// runner executes them: exec inside the container, an HTTP GET against the
// pod, or a sleep. A hook that fails returns the message Kubernetes reports.
import { request } from 'node:http';
import type { Container, LifecycleHandler, Pod } from '../src/api/core/v1.js';
import type { ContainerRuntime } from './runtime/interface.js';

export interface HookContext {
  runtime: ContainerRuntime;
  pod: Pod;
  container: Container;
  containerId: string;
  podIP?: string;
  /** how long the hook may take */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A named port of the container, or the number itself. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  const n = Number(port);
  if (Number.isInteger(n) && n > 0) return n;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url.href}": context deadline exceeded`)));
    req.on('error', reject);
    req.end();
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/** Runs the handler; resolves undefined on success, or with the failure message. */
export async function runLifecycleHandler(handler: LifecycleHandler, ctx: HookContext): Promise<string | undefined> {
  try {
    if (handler.exec) {
      const cmd = handler.exec.command ?? [];
      const r = await ctx.runtime.execSync(ctx.containerId, cmd, ctx.timeoutMs);
      if (r.timedOut) return `command '${cmd.join(' ')}' exited with 137: `;
      if (r.exitCode !== 0) return `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.stdout}${r.stderr}`;
      return undefined;
    }
    if (handler.httpGet) {
      const h = handler.httpGet;
      const host = h.host || ctx.podIP || '127.0.0.1';
      const port = resolvePort(h.port, ctx.container);
      if (port === undefined) return `couldn't find port: ${String(h.port)} in ${ctx.container.name}`;
      const scheme = (h.scheme ?? 'HTTP').toLowerCase();
      if (scheme !== 'http') return `scheme ${h.scheme} is not supported by lifecycle hooks here`;
      const path = h.path ? (h.path.startsWith('/') ? h.path : `/${h.path}`) : '/';
      const url = new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`);
      const headers = Object.fromEntries((h.httpHeaders ?? []).map((x) => [x.name, x.value]));
      const code = await httpGet(url, headers, ctx.timeoutMs);
      if (code < 200 || code >= 400) return `HTTP lifecycle hook (${path}) for Container "${ctx.container.name}" in Pod "${ctx.pod.metadata.name}" failed - error: <nil>, message: "HTTP status code ${code}"`;
      return undefined;
    }
    if (handler.sleep) {
      await sleep(Math.min(handler.sleep.seconds * 1000, ctx.timeoutMs), ctx.signal);
      return undefined;
    }
    if (handler.tcpSocket) return 'tcpSocket lifecycle handlers are deprecated and not run';
    return 'a lifecycle handler must say what to run';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
