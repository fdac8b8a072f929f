// skiff cordon, uncordon and drain: kubectl's node maintenance verbs.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { examples, intFlag } from '../command-kit.js';
import { globalFlags } from '../flags.js';

const dryRun = () => new Option('--dry-run [strategy]', 'must be "none", "server", or "client"').choices(['none', 'server', 'client']).preset('client');

function cordonCommand(program: Command, name: 'cordon' | 'uncordon'): Command {
  const desired = name === 'cordon';
  return program
    .command(name)
    .summary(desired ? 'Mark node as unschedulable' : 'Mark node as schedulable')
    .description(desired ? 'Mark node as unschedulable.' : 'Mark node as schedulable.')
    .usage('NODE [flags]')
    .argument('[nodes...]')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .addOption(dryRun())
    .action(
      action(async (nodes: string[], opts: Record<string, unknown>, self: Command) => {
        const { runCordon } = await import('../drain.js');
        await runCordon(nodes, { ...globalFlags(self), ...opts }, desired);
      }),
    );
}

export function register(program: Command): void {
  examples(
    cordonCommand(program, 'cordon'),
    `
    # Mark node "foo" as unschedulable
    skiff cordon foo`,
  );
  examples(
    cordonCommand(program, 'uncordon'),
    `
    # Mark node "foo" as schedulable
    skiff uncordon foo`,
  );
  const drain = program
    .command('drain')
    .summary('Drain node in preparation for maintenance')
    .description(
      'Drain node in preparation for maintenance.\n\n' +
        'The given node will be marked unschedulable to prevent new pods from arriving. ' +
        'Then drain evicts the pods on it, which respects PodDisruptionBudgets (a refused eviction is retried every 5 seconds), ' +
        'and waits until they are gone. Mirror pods are never evicted. ' +
        'DaemonSet-managed pods are left alone with --ignore-daemonsets (drain refuses to go on without it); ' +
        'pods that no controller manages are deleted only with --force, pods with emptyDir volumes only with --delete-emptydir-data.\n\n' +
        "When you are ready to put the node back into service, use 'skiff uncordon'.",
    )
    .usage('NODE [flags]')
    .argument('[nodes...]')
    .option('--force', 'continue even if there are pods that do not declare a controller')
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--delete-emptydir-data', 'continue even if there are pods using emptyDir (local data that will be deleted when the node is drained)')
    .addOption(new Option('--delete-local-data', 'deprecated: use --delete-emptydir-data').hideHelp())
    .addOption(
      new Option('--grace-period <seconds>', "period of time in seconds given to each pod to terminate gracefully; if negative, the pod's own value is used")
        .argParser(intFlag('--grace-period'))
        .default(-1),
    )
    .option('--timeout <duration>', 'the length of time to wait before giving up, zero means infinite', '0s')
    .option('--pod-selector <selector>', 'label selector to filter pods on the node')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--disable-eviction', 'force drain to use delete, even if eviction is supported; this bypasses checking PodDisruptionBudgets')
    .addOption(
      new Option('--skip-wait-for-delete-timeout <seconds>', 'if pod DeletionTimestamp older than N seconds, skip waiting for the pod')
        .argParser(intFlag('--skip-wait-for-delete-timeout', 0))
        .default(0),
    )
    .addOption(dryRun())
    .action(
      action(async (nodes: string[], opts: Record<string, unknown>, self: Command) => {
        const { runDrain } = await import('../drain.js');
        const deleteEmptydirData = Boolean(opts.deleteEmptydirData) || Boolean(opts.deleteLocalData);
        await runDrain(nodes, { ...globalFlags(self), ...opts, deleteEmptydirData });
      }),
    );
  examples(
    drain,
    `
    # Drain node "foo", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it
    skiff drain foo --force

    # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes
    skiff drain foo --grace-period=900`,
  );
}
