// skiff label and skiff annotate: kubectl's label and annotate.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags } from '../flags.js';

function metadataCommand(program: Command, field: 'labels' | 'annotations'): Command {
  const what = field === 'labels' ? 'label' : 'annotation';
  return program
    .command(field === 'labels' ? 'label' : 'annotate')
    .argument('[args...]')
    .option('--overwrite', `if true, allow ${what}s to be overwritten, otherwise reject ${what} updates that overwrite existing ${what}s`)
    .option('--list', `if true, display the ${what}s for a given resource`)
    .option('-f, --filename <file>', `filename, directory, or URL to files identifying the resource to update the ${what}s`, collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--all', 'select all resources, in the namespace of the specified resource types')
    .option('-A, --all-namespaces', 'if true, check the specified action in all namespaces')
    .option('--resource-version <version>', `if non-empty, the ${what}s update will only succeed if this is the current resource-version for the object`)
    .addOption(new Option('--dry-run [strategy]', 'must be "none", "server", or "client"').choices(['none', 'server', 'client']).preset('client'))
    .option('-o, --output <format>', 'output format: json, yaml, name, jsonpath=..., custom-columns=...')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runLabelOrAnnotate } = await import('../label.js');
        await runLabelOrAnnotate(field, args, { ...globalFlags(self), ...opts });
      }),
    );
}

export function register(program: Command): void {
  const label = metadataCommand(program, 'labels')
    .summary('Update the labels on a resource')
    .description(
      'Update the labels on a resource.\n\n' +
        '  *  A label key and value must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters each.\n' +
        '  *  Optionally, the key can begin with a DNS subdomain prefix and a single \'/\', like example.com/my-app.\n' +
        '  *  If --overwrite is true, then existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.\n' +
        '  *  If --resource-version is specified, then updates will use this resource version, otherwise the existing resource-version will be used.',
    )
    .usage('[--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [flags]');
  examples(
    label,
    `
    # Update pod 'foo' with the label 'unhealthy' and the value 'true'
    skiff label pods foo unhealthy=true

    # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value
    skiff label --overwrite pods foo status=unhealthy

    # Update all pods in the namespace
    skiff label pods --all status=unhealthy

    # Update pod 'foo' only if the resource is unchanged from version 1
    skiff label pods foo status=unhealthy --resource-version=1

    # Update pod 'foo' by removing a label named 'bar' if it exists
    skiff label pods foo bar-`,
  );
  const annotate = metadataCommand(program, 'annotations')
    .summary('Update the annotations on a resource')
    .description(
      'Update the annotations on one or more resources.\n\n' +
        'All Kubernetes objects support the ability to store additional data with the object as annotations. ' +
        'If --overwrite is true, then existing annotations can be overwritten, otherwise attempting to overwrite an annotation will result in an error.',
    )
    .usage('[--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [flags]');
  examples(
    annotate,
    `
    # Update pod 'foo' with the annotation 'description' and the value 'my frontend'
    skiff annotate pods foo description='my frontend'

    # Update pod 'foo' with the annotation 'description', overwriting any existing value
    skiff annotate --overwrite pods foo description='my frontend running nginx'

    # Update all pods in the namespace
    skiff annotate pods --all description='my frontend running nginx'

    # Update pod 'foo' by removing an annotation named 'description' if it exists
    skiff annotate pods foo description-`,
  );
}
