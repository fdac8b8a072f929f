// skiff apply: kubectl's client-side apply.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('apply')
    .summary('Apply a configuration to a resource by file name or stdin')
    .description(
      'Apply a configuration to a resource by file name or stdin. The resource name must be specified. ' +
        'This resource will be created if it doesn\'t exist yet. JSON and YAML formats are accepted.',
    )
    .usage('(-f FILENAME) [flags]')
    .option('-f, --filename <file>', 'the files, folders ("-" for stdin) that contain the configuration to apply', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .addOption(
      new Option('--dry-run [strategy]', 'only print the object that would be sent: "none", "server" or "client"')
        .choices(['none', 'server', 'client'])
        .preset('client'),
    )
    .option('-o, --output <format>', 'output format: json, yaml or name')
    .option('--field-manager <name>', 'name of the manager used to track field ownership', 'kubectl-client-side-apply')
    .action(
      action(async (opts: Record<string, unknown>, self: Command) => {
        const { runApply } = await import('../apply/run.js');
        await runApply({ ...globalFlags(self), ...opts });
      }),
    );
  examples(
    cmd,
    `
    # Apply the configuration in pod.json to a pod
    skiff apply -f ./pod.json

    # Apply resources from a directory, and its subdirectories
    skiff apply -R -f manifests/

    # Apply the JSON passed into stdin to a pod
    cat pod.json | skiff apply -f -

    # Show what would change without changing anything
    skiff apply -f deployment.yaml --dry-run=server -o yaml`,
  );
}
