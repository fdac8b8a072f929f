// `skiff logs`: print a container's logs (kubectl logs).
import { InvalidArgumentError, type Command } from 'commander';

const integer = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} must be an integer`);
  return n;
};

export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .description('Print the logs for a container in a pod (POD, or TYPE/NAME to pick a pod of a deployment, service, ...)')
    .argument('<pod>', 'POD or TYPE/NAME')
    .argument('[container]', 'the container (same as -c)')
    .option('-c, --container <name>', 'print the logs of this container (default: the only one, or the default one)')
    .option('-f, --follow', 'specify if the logs should be streamed')
    .option('-p, --previous', 'print the logs for the previous instance of the container, if it exists')
    .option('--tail <lines>', 'lines of recent log to display; -1 shows all', integer('--tail'), -1)
    .option('--since <duration>', 'only logs newer than a relative duration like 5s, 2m, or 3h')
    .option('--since-time <time>', 'only logs after this RFC3339 date')
    .option('--timestamps', 'include timestamps on each line of the log output')
    .option('--limit-bytes <bytes>', 'maximum bytes of logs to return', integer('--limit-bytes'))
    .option('--all-containers', 'get all containers\' logs in the pod')
    .option('--prefix', 'prefix each log line with the pod and container name')
    .option('--pod-running-timeout <duration>', 'how long to wait for a pod of TYPE/NAME to exist', '20s')
    .action(async (...args: unknown[]) => {
      const { action, cliContext, globalFlags } = await import('../context.js');
      const { runLogs } = await import('../pod-logs.js');
      const [target, container, flags] = args as [string, string | undefined, import('../pod-logs.js').LogsFlags];
      await action(async () => runLogs(cliContext(globalFlags(cmd)), target, container, flags))();
    });
}
