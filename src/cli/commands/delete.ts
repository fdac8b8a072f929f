// skiff delete: kubectl's delete.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples, intFlag } from '../command-kit.js';
import { globalFlags, parseBool } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('delete')
    .summary('Delete resources by file names, stdin, resources and names, or by resources and label selector')
    .description(
      'Delete resources by file names, stdin, resources and names, or by resources and label selector.\n\n' +
        'JSON and YAML formats are accepted. Only one type of argument may be specified: file names, resources and names, or resources and label selector.\n\n' +
        'Some resources, such as pods, support graceful deletion. These resources define a default period before they are forcibly terminated (the grace period) ' +
        'but you may override that value with the --grace-period flag, or pass --now to set a grace-period of 1. By default the command waits for the objects to be gone (--wait).',
    )
    .usage('([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [flags]')
    .argument('[args...]')
    .option('-f, --filename <file>', 'containing the resource to delete', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--field-selector <selector>', 'selector (field query) to filter on')
    .option('--all', 'delete all resources, in the namespace of the specified resource types')
    .option('-A, --all-namespaces', 'if present, list the requested object(s) across all namespaces')
    .addOption(new Option('--grace-period <seconds>', 'period of time in seconds given to the resource to terminate gracefully; -1 uses the default').argParser(intFlag('--grace-period', -1)).default(-1))
    .option('--now', 'if true, resources are signaled for immediate shutdown (same as --grace-period=1)')
    .option('--force', 'if true, immediately remove resources from API and bypass graceful deletion')
    .addOption(
      new Option('--cascade [strategy]', 'must be "background", "orphan", or "foreground"').default('background').preset('background'),
    )
    .addOption(new Option('--wait [bool]', 'if true, wait for resources to be gone before returning').argParser(parseBool('--wait')).default(true))
    .addOption(new Option('--timeout <seconds>', 'the length of time to wait before giving up on a delete, zero means wait forever').argParser(intFlag('--timeout', 0)))
    .option('--ignore-not-found', 'treat "resource not found" as a successful delete')
    .addOption(
      new Option('--dry-run [strategy]', 'only print the object that would be deleted: "none", "server" or "client"')
        .choices(['none', 'server', 'client'])
        .preset('client'),
    )
    .option('-o, --output <format>', "output mode; use '-o name' for shorter output (resource/name)")
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runDelete } = await import('../delete.js');
        const dryRun = opts.dryRun === 'none' ? undefined : opts.dryRun;
        await runDelete(args, { ...globalFlags(self), ...opts, dryRun } as Parameters<typeof runDelete>[1]);
      }),
    );
  examples(
    cmd,
    `
    # Delete a pod using the type and name specified in pod.json
    skiff delete -f ./pod.json

    # Delete pods and services with same names "baz" and "foo"
    skiff delete pod,service baz foo

    # Delete pods and services with label name=myLabel
    skiff delete pods,services -l name=myLabel

    # Delete a pod with minimal delay
    skiff delete pod foo --now

    # Force delete a pod on a dead node
    skiff delete pod foo --force

    # Delete all pods
    skiff delete pods --all`,
  );
}
