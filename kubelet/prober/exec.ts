// exec probes (pkg/probe/exec): the command runs in the container through the
// runtime; exit code 0 is success and the output is the failure message.
import type { ContainerRuntime } from '../runtime/interface.js';
import { goQuote } from '../../src/machinery/goformat.js';
import { MAX_OUTPUT_BYTES, type ProbeOutcome } from './outcome.js';

export async function execProbe(
  runtime: Pick<ContainerRuntime, 'execSync'>,
  containerId: string,
  command: string[],
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const res = await runtime.execSync(containerId, command, timeoutMs);
  if (res.timedOut) return { result: 'failure', output: `command ${goQuote(command.join(' '))} timed out` };
  const output = Buffer.from(res.stdout + res.stderr).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
  return { result: res.exitCode === 0 ? 'success' : 'failure', output };
}
