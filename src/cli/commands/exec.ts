// `skiff exec`: run a command in a container (kubectl exec).
import type { Command } from 'commander';

export function register(program: Command): void {
  const cmd = program
    .command('exec')
    .description('Execute a command in a container: skiff exec [-i] [-t] POD [-c CONTAINER] -- COMMAND [args...]')
    .argument('<pod>', 'POD or TYPE/NAME')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('-c, --container <name>', 'container name (default: the only one, or the default one)')
    .option('-i, --stdin', 'pass stdin to the container')
    .option('-t, --tty', 'stdin is a TTY')
    .option('-q, --quiet', 'only print output from the remote session')
    .action(async (...args: unknown[]) => {
      const { action, cliContext, cliIO, globalFlags, CliError } = await import('../context.js');
      const { runExec } = await import('../pod-exec.js');
      const [target, command, flags] = args as [string, string[], import('../pod-exec.js').ExecFlags];
      await action(async () => {
        // kubectl takes the command only after "--", so that its own flags never mix with the command's.
        const raw = (cmd.parent as { rawArgs?: string[] } | null)?.rawArgs ?? process.argv;
        const dash = raw.indexOf('--');
        if (command.length > 0 && dash < 0) {
          throw new CliError('exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead');
        }
        await runExec(cliContext(globalFlags(cmd)), cliIO, target, command, flags);
      })();
    });
}
