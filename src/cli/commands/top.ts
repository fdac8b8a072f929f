// `skiff top`: kubectl top, CPU and memory of nodes and pods from the
// resource metrics API.
import type { Command } from 'commander';
import { examples } from '../command-kit.js';

export function register(program: Command): void {
  const top = program
    .command('top')
    .summary('Display resource (CPU/memory) usage')
    .description(
      'Display resource (CPU/memory) usage.\n\n' +
        'The top command allows you to see the resource consumption for nodes or pods.\n\n' +
        'This command requires a metrics server (skiff metrics-server) to be running and aggregated by the apiserver.',
    );

  const node = top
    .command('node')
    .aliases(['nodes', 'no'])
    .summary('Display resource (CPU/memory) usage of nodes')
    .description(
      'Display resource (CPU/memory) usage of nodes.\n\nThe top-node command allows you to see the resource consumption of nodes.',
    )
    .usage('[NAME | -l label]')
    .argument('[name]')
    .option('-l, --selector <selector>', 'selector (label query) to filter on, supports =, ==, != and in/notin sets')
    .option('--sort-by <resource>', "if non-empty, sort nodes list using specified field: 'cpu' or 'memory'")
    .option('--no-headers', "if present, print output without headers")
    .option('--show-capacity', 'print node resources based on Capacity instead of Allocatable(default) of the nodes')
    .option('--use-protocol-buffers', 'accepted for compatibility; the metrics API is read as JSON')
    .action(async (name: string | undefined, opts: Record<string, unknown>, self: Command) => {
      const { action, cliContext, globalFlags } = await import('../context.js');
      const { runTopNodes } = await import('../top.js');
      await action(async () =>
        runTopNodes(cliContext(globalFlags(self)), name, {
          ...(typeof opts.selector === 'string' ? { selector: opts.selector } : {}),
          ...(typeof opts.sortBy === 'string' ? { sortBy: opts.sortBy } : {}),
          noHeaders: opts.headers === false,
          showCapacity: Boolean(opts.showCapacity),
        }),
      )();
    });
  examples(
    node,
    `
    # Show metrics for all nodes
    skiff top node

    # Show metrics for a given node
    skiff top node NODE_NAME`,
  );

  const pod = top
    .command('pod')
    .aliases(['pods', 'po'])
    .summary('Display resource (CPU/memory) usage of pods')
    .description(
      'Display resource (CPU/memory) usage of pods.\n\n' +
        "The 'top pod' command allows you to see the resource consumption of pods.\n\n" +
        "Due to the metrics pipeline delay, they may be unavailable for a few minutes since pod creation.",
    )
    .usage('[NAME | -l label]')
    .argument('[name]')
    .option('-A, --all-namespaces', 'list the requested object(s) across all namespaces')
    .option('-l, --selector <selector>', 'selector (label query) to filter on, supports =, ==, != and in/notin sets')
    .option('--field-selector <selector>', 'selector (field query) to filter on, supports =, ==, and !=')
    .option('--containers', 'if present, print usage of containers within a pod')
    .option('--sort-by <resource>', "if non-empty, sort pods list using specified field: 'cpu' or 'memory'")
    .option('--no-headers', 'if present, print output without headers')
    .option('--sum', 'print the sum of the resource usage')
    .option('--use-protocol-buffers', 'accepted for compatibility; the metrics API is read as JSON')
    .action(async (name: string | undefined, opts: Record<string, unknown>, self: Command) => {
      const { action, cliContext, globalFlags } = await import('../context.js');
      const { runTopPods } = await import('../top.js');
      await action(async () =>
        runTopPods(cliContext(globalFlags(self)), name, {
          ...(typeof opts.selector === 'string' ? { selector: opts.selector } : {}),
          ...(typeof opts.fieldSelector === 'string' ? { fieldSelector: opts.fieldSelector } : {}),
          ...(typeof opts.sortBy === 'string' ? { sortBy: opts.sortBy } : {}),
          allNamespaces: Boolean(opts.allNamespaces),
          containers: Boolean(opts.containers),
          noHeaders: opts.headers === false,
          sum: Boolean(opts.sum),
        }),
      )();
    });
  examples(
    pod,
    `
    # Show metrics for all pods in the default namespace
    skiff top pod

    # Show metrics for all pods in the given namespace
    skiff top pod --namespace=NAMESPACE

    # Show metrics for a given pod and its containers
    skiff top pod POD_NAME --containers

    # Show metrics for the pods defined by label name=myLabel
    skiff top pod -l name=myLabel`,
  );
}
