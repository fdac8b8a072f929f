// skiff scale: kubectl's scale.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples, intFlag } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('scale')
    .summary('Set a new size for a deployment, replica set, or stateful set')
    .description(
      'Set a new size for a deployment, replica set, or stateful set.\n\n' +
        'Scale also allows users to specify one or more preconditions for the scale action.\n\n' +
        'If --current-replicas or --resource-version is specified, it is validated before the scale is attempted, ' +
        'and it is guaranteed that the precondition holds true when the scale is sent to the server.',
    )
    .usage('[--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME)')
    .argument('[args...]')
    .addOption(new Option('--replicas <count>', 'the new desired number of replicas; required').argParser(intFlag('--replicas')))
    .addOption(new Option('--current-replicas <count>', 'precondition for current size; requires that the current size of the resource match this value in order to scale').argParser(intFlag('--current-replicas')))
    .option('--resource-version <version>', 'precondition for resource version; requires that the current resource version match this value in order to scale')
    .option('-f, --filename <file>', 'filename, directory, or URL to files identifying the resource to set a new size', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--all', 'select all resources in the namespace of the specified resource types')
    .option('-A, --all-namespaces', 'if true, check the specified action in all namespaces')
    .addOption(new Option('--dry-run [strategy]', 'must be "none", "server", or "client"').choices(['none', 'server', 'client']).preset('client'))
    .option('-o, --output <format>', "output format; only 'name' is supported")
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runScale } = await import('../scale.js');
        await runScale(args, { ...globalFlags(self), ...opts });
      }),
    );
  examples(
    cmd,
    `
    # Scale a replica set named 'foo' to 3
    skiff scale --replicas=3 rs/foo

    # Scale a resource identified by type and name specified in "foo.yaml" to 3
    skiff scale --replicas=3 -f foo.yaml

    # If the deployment named mysql's current size is 2, scale mysql to 3
    skiff scale --current-replicas=2 --replicas=3 deployment/mysql

    # Scale multiple replication controllers
    skiff scale --replicas=5 deployment/foo deployment/bar deployment/baz

    # Scale a deployment
    skiff scale deployment nginx-deployment --replicas 10`,
  );
}
