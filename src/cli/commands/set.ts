// skiff set image: kubectl's set image.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags } from '../flags.js';

export function register(program: Command): void {
  const set = program
    .command('set')
    .summary('Set specific features on objects')
    .description('Configure application resources.\n\nThese commands help you make changes to existing application resources.');
  const image = set
    .command('image')
    .summary('Update the image of a pod template')
    .description(
      'Update existing container image(s) of resources.\n\n' +
        'Possible resources include (case insensitive): pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)',
    )
    .usage('(-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [flags]')
    .argument('[args...]')
    .option('-f, --filename <file>', 'filename, directory, or URL to files identifying the resource to get from a server', collect())
    .option('-R, --recursive', 'process the directory used in -f, --filename recursively')
    .option('-l, --selector <selector>', 'selector (label query) to filter on')
    .option('--all', 'select all resources, in the namespace of the specified resource types')
    .option('-A, --all-namespaces', 'if true, check the specified action in all namespaces')
    .addOption(new Option('--dry-run [strategy]', 'must be "none", "server", or "client"').choices(['none', 'server', 'client']).preset('client'))
    .option('-o, --output <format>', 'output format: json, yaml, name, jsonpath=..., custom-columns=...')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runSetImage } = await import('../set-image.js');
        await runSetImage(args, { ...globalFlags(self), ...opts });
      }),
    );
  examples(
    image,
    `
    # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'
    skiff set image deployment/nginx busybox=busybox nginx=nginx:1.9.1

    # Update all deployments' and rc's nginx container's image to 'nginx:1.9.1'
    skiff set image deployments,rc nginx=nginx:1.9.1 --all

    # Update image of all containers of daemonset abc to 'nginx:1.9.1'
    skiff set image daemonset abc *=nginx:1.9.1

    # Update the image of a deployment's container
    skiff set image deployment/nginx-deployment nginx=nginx:1.9.1`,
  );
}
