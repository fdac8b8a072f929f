// What one probe attempt yields, shared by every probe kind. A probe that
// cannot be run at all (bad port, container gone) throws instead: Kubernetes
// throws such results away rather than counting them against the container.

export type ProbeResult = 'success' | 'warning' | 'failure';

export interface ProbeOutcome {
  /** `warning` counts as success but is worth an event (an HTTP redirect not followed) */
  result: ProbeResult;
  /** the text Kubernetes puts after "<Type> probe failed: " */
  output: string;
}

/** What probes send as User-Agent, as the kubelet of the Kubernetes version this server reports. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

/** Probes keep at most this much of a response or command output (maxRespBodyLength, maxReadLength). */
export const MAX_OUTPUT_BYTES = 10 * 1024;

/** time.Duration's String() for whole and fractional seconds and milliseconds, as messages print timeouts. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  return `${Number((ms / 1000).toFixed(9))}s`;
}

/** net.JoinHostPort */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The wording Go's net package uses for the dial errors users see most. */
export function dialErrorText(err: NodeJS.ErrnoException, address: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${address}: read: connection reset by peer`;
    default:
      return err.message;
  }
}

/** A timer-bounded abort: `signal` fires on the deadline or when `parent` aborts; `done()` releases the timer. */
export function deadline(timeoutMs: number, parent?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  timer.unref();
  const onParentAbort = (): void => controller.abort();
  parent?.addEventListener('abort', onParentAbort, { once: true });
  if (parent?.aborted) controller.abort();
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
