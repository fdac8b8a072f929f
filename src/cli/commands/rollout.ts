// `skiff rollout`: manage the rollout of Deployments, DaemonSets and StatefulSets.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { examples, intFlag } from '../command-kit.js';
import { globalFlags, parseBool } from '../flags.js';

export function register(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('Manage the rollout of one or many resources: deployments, daemonsets and statefulsets');

  rollout
    .command('status')
    .description('Show the status of the rollout, watching it until it is done')
    .argument('[args...]', 'TYPE NAME or TYPE/NAME')
    .addOption(
      new Option('-w, --watch [bool]', "watch the status of the rollout until it's done").argParser(parseBool('--watch')).default(true),
    )
    .option('--revision <n>', 'pin to a specific revision for showing its status (0 = the latest)', intFlag('--revision'), 0)
    .option('--timeout <duration>', 'how long to wait before ending the watch, e.g. 30s or 2m (0 = never)', '0s')
    .action(
      action(async (args: string[], opts: { watch: boolean; revision: number; timeout: string }, cmd: Command) => {
        const { runStatus } = await import('../rollout/run.js');
        await runStatus(args, opts, globalFlags(cmd));
      }),
    );

  rollout
    .command('history')
    .description('View previous rollout revisions and configurations')
    .argument('[args...]', 'TYPE NAME or TYPE/NAME')
    .option('--revision <n>', 'see the details, including the pod template, of this revision', intFlag('--revision'), 0)
    .action(
      action(async (args: string[], opts: { revision: number }, cmd: Command) => {
        const { runHistory } = await import('../rollout/run.js');
        await runHistory(args, opts, globalFlags(cmd));
      }),
    );

  rollout
    .command('undo')
    .description('Roll back to a previous rollout')
    .argument('[args...]', 'TYPE NAME or TYPE/NAME')
    .option('--to-revision <n>', 'the revision to roll back to (0 = the one before the latest)', intFlag('--to-revision'), 0)
    .addOption(new Option('--dry-run [strategy]', 'none, client or server').choices(['none', 'client', 'server']).preset('client').default('none'))
    .action(
      action(async (args: string[], opts: { toRevision: number; dryRun: string }, cmd: Command) => {
        const { runUndo } = await import('../rollout/run.js');
        await runUndo(args, opts, globalFlags(cmd));
      }),
    );

  const simple = (name: string, description: string, run: 'runPause' | 'runResume' | 'runRestart'): void => {
    rollout
      .command(name)
      .description(description)
      .argument('[args...]', 'TYPE NAME or TYPE/NAME')
      .action(
        action(async (args: string[], _opts: unknown, cmd: Command) => {
          const mod = await import('../rollout/run.js');
          await mod[run](args, globalFlags(cmd));
        }),
      );
  };
  simple('pause', 'Mark the provided resource as paused: its controller stops rolling out changes to it', 'runPause');
  simple('resume', 'Resume a paused resource', 'runResume');
  simple('restart', 'Restart a resource: every pod is replaced, by a rollout', 'runRestart');
  examples(
    rollout,
    `
    # Follow a rollout until it is done
    skiff rollout status deployment/web
    # List the revisions, then go back to revision 1
    skiff rollout history deployment/web
    skiff rollout undo deployment/web --to-revision=1
    # Replace every pod of a deployment
    skiff rollout restart deployment/web
    `,
  );
}
