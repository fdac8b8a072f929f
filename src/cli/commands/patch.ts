// skiff patch: kubectl's patch.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('patch')
    .summary('Update fields of a resource')
    .description(
      'Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.\n\n' +
        'JSON and YAML formats are accepted.',
    )
    .usage('(-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [flags]')
    .argument('[args...]')
    .option('-p, --patch <patch>', 'the patch to be applied to the resource JSON file')
    .option('--patch-file <file>', 'a file containing a patch to be applied to the resource')
    .addOption(new Option('--type <type>', 'the type of patch being provided; one of [json merge strategic]').default('strategic'))
    .option('--subresource <name>', 'if specified, patch will operate on the subresource of the requested object (status, scale)')
    .option('-f, --filename <file>', 'filename, directory, or URL to files identifying the resource to update', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .addOption(new Option('--dry-run [strategy]', 'must be "none", "server", or "client"').choices(['none', 'server', 'client']).preset('client'))
    .option('-o, --output <format>', 'output format: json, yaml, name, jsonpath=..., custom-columns=...')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runPatch } = await import('../patch.js');
        await runPatch(args, { ...globalFlags(self), ...opts });
      }),
    );
  examples(
    cmd,
    `
    # Partially update a node using a strategic merge patch, specifying the patch as JSON
    skiff patch node k8s-node-1 -p '{"spec":{"unschedulable":true}}'

    # Partially update a node using a strategic merge patch, specifying the patch as YAML
    skiff patch node k8s-node-1 -p $'spec:\\n unschedulable: true'

    # Update a container's image; spec.containers[*].name is required because it's a merge key
    skiff patch pod valid-pod -p '{"spec":{"containers":[{"name":"kubernetes-serve-hostname","image":"new image"}]}}'

    # Update a container's image using a JSON patch with positional arrays
    skiff patch pod valid-pod --type='json' -p='[{"op": "replace", "path": "/spec/containers/0/image", "value":"new image"}]'

    # Update a deployment's replicas through the scale subresource using a merge patch
    skiff patch deployment nginx-deployment --subresource='scale' --type='merge' -p '{"spec":{"replicas":2}}'`,
  );
}
