// tcpSocket probes (pkg/probe/tcp): success when a connection opens within
// the timeout; it is closed at once.
import { connect } from 'node:net';
import { deadline, dialErrorText, joinHostPort, type ProbeOutcome } from './outcome.js';

export function tcpProbe(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  const address = joinHostPort(host, port);
  const limit = deadline(timeoutMs, signal);
  return new Promise<ProbeOutcome>((resolve, reject) => {
    const socket = connect({ host, port, signal: limit.signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ result: 'success', output: '' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      if (signal?.aborted) reject(err);
      else if (limit.timedOut()) resolve({ result: 'failure', output: `dial tcp ${address}: i/o timeout` });
      else resolve({ result: 'failure', output: dialErrorText(err, address) });
    });
  }).finally(limit.done);
}
