// How a leader-elected component (controller-manager, scheduler) runs: it
// campaigns for its Lease, runs one term of work while it holds it, and
// campaigns again when it loses it, until told to stop. A clean stop
// releases the Lease so the next replica takes over at once.
import type { Logger } from 'pino';
import { LeaderElector, type RestClient } from '../client/index.js';

export interface LeaderTermsOptions {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  log: Logger;
  /** one term of work; its signal aborts when leadership is lost or the component stops */
  lead(signal: AbortSignal): Promise<void>;
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function runLeaderTerms(opts: LeaderTermsOptions, signal: AbortSignal): Promise<void> {
  const { log, identity } = opts;
  while (!signal.aborted) {
    let term: Promise<void> | undefined;
    const elector = new LeaderElector({
      client: opts.client,
      namespace: opts.namespace,
      name: opts.name,
      identity,
      ...(opts.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: opts.leaseDurationSeconds } : {}),
      ...(opts.renewDeadlineSeconds !== undefined ? { renewDeadlineSeconds: opts.renewDeadlineSeconds } : {}),
      ...(opts.retryPeriodSeconds !== undefined ? { retryPeriodSeconds: opts.retryPeriodSeconds } : {}),
      releaseOnCancel: true,
      onStartedLeading: (leading) => {
        log.info({ lease: `${opts.namespace}/${opts.name}`, identity }, 'successfully acquired lease');
        term = opts.lead(leading);
      },
      onStoppedLeading: () => {
        if (!signal.aborted) log.warn({ identity }, 'leader election lost');
      },
      onNewLeader: (leader) => {
        if (leader !== identity) log.info({ leader }, 'new leader elected');
      },
      onError: (err) => log.warn({ err: errorMessage(err) }, 'leader election'),
    });
    await elector.run(signal);
    await term;
  }
}
