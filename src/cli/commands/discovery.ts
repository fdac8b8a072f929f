// skiff explain, api-resources, api-versions, cluster-info: kubectl's
// discovery and documentation verbs.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples } from '../command-kit.js';
import { globalFlags, parseBool } from '../flags.js';

export function register(program: Command): void {
  const explain = program
    .command('explain')
    .summary('Get documentation for a resource')
    .description(
      'Describe fields and structure of various resources.\n\n' +
        'This command describes the fields associated with each supported API resource. Fields are identified via a simple JSONPath identifier:\n\n' +
        '  <type>.<fieldName>[.<fieldName>]\n\n' +
        'Information about each field is retrieved from the server in OpenAPI format.',
    )
    .usage('TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [flags]')
    .argument('[args...]')
    .option('--recursive', 'when true, print the name of all the fields recursively')
    .option('--api-version <group/version>', 'use the given api-version (group/version) of the resource')
    .action(
      action(async (args: string[], opts: Record<string, unknown>, self: Command) => {
        const { runExplain } = await import('../explain.js');
        await runExplain(args, { ...globalFlags(self), ...opts });
      }),
    );
  examples(
    explain,
    `
    # Get the documentation of the resource and its fields
    skiff explain pods

    # Get all the fields in the resource
    skiff explain pods --recursive

    # Get the documentation of a specific field of a resource
    skiff explain pods.spec.containers`,
  );

  const apiResources = program
    .command('api-resources')
    .summary('Print the supported API resources on the server')
    .description('Print the supported API resources on the server.')
    .usage('[flags]')
    .addOption(new Option('--namespaced [bool]', 'if false, non-namespaced resources will be returned, otherwise returning namespaced resources by default').argParser(parseBool('--namespaced')))
    .option('--api-group <group>', 'limit to resources in the specified API group')
    .option('--verbs <verbs>', 'limit to resources that support the specified verbs', collect(true))
    .option('-o, --output <format>', "output format: 'wide' or 'name'")
    .option('--sort-by <field>', "if non-empty, sort list of resources using specified field: 'name' or 'kind'")
    .option('--no-headers', "when using the default or custom-column output format, don't print headers")
    .option('--cached', 'use the cached list of resources if available (always fresh here)')
    .action(
      action(async (opts: Record<string, unknown>, self: Command) => {
        const { runApiResources } = await import('../discovery.js');
        await runApiResources({ ...globalFlags(self), ...opts, noHeaders: opts.headers === false });
      }),
    );
  examples(
    apiResources,
    `
    # Print the supported API resources
    skiff api-resources

    # Print the supported API resources with more information
    skiff api-resources -o wide

    # Print the supported API resources sorted by a column
    skiff api-resources --sort-by=name

    # Print the supported namespaced resources
    skiff api-resources --namespaced=true

    # Print the supported non-namespaced resources
    skiff api-resources --namespaced=false

    # Print the supported API resources with a specific APIGroup
    skiff api-resources --api-group=apps`,
  );

  const apiVersions = program
    .command('api-versions')
    .summary('Print the supported API versions on the server, in the form of "group/version"')
    .description('Print the supported API versions on the server, in the form of "group/version".')
    .action(
      action(async (_opts: Record<string, unknown>, self: Command) => {
        const { runApiVersions } = await import('../discovery.js');
        await runApiVersions(globalFlags(self));
      }),
    );
  examples(apiVersions, `# Print the supported API versions\nskiff api-versions`);

  const clusterInfo = program
    .command('cluster-info')
    .summary('Display cluster information')
    .description('Display addresses of the control plane and services with label kubernetes.io/cluster-service=true.')
    .action(
      action(async (_opts: Record<string, unknown>, self: Command) => {
        const { runClusterInfo } = await import('../discovery.js');
        await runClusterInfo(globalFlags(self));
      }),
    );
  examples(clusterInfo, `# Print the address of the control plane and cluster services\nskiff cluster-info`);
}
