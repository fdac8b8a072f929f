// skiff config: kubectl's kubeconfig verbs.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { examples } from '../command-kit.js';
import { globalFlags, parseBool } from '../flags.js';

type Opts = Record<string, unknown>;

export function register(program: Command): void {
  const config = program
    .command('config')
    .summary('Modify kubeconfig files')
    .description(
      'Modify kubeconfig files using subcommands like "skiff config set current-context my-context".\n\n' +
        'The loading order follows these rules:\n\n' +
        '  1. If the --kubeconfig flag is set, then only that file is loaded. The flag may only be set once and no merging takes place.\n' +
        '  2. If $KUBECONFIG environment variable is set, then it is used as a list of paths (normal path delimiting rules for your system). These paths are merged. ' +
        'When a value is modified, it is modified in the file that defines the stanza. When a value is created, it is created in the first file that exists.\n' +
        '  3. Otherwise, ~/.skiff/kubeconfig is used (or ~/.kube/config when only that exists) and no merging takes place.',
    );

  const view = config
    .command('view')
    .description('Display merged kubeconfig settings or a specified kubeconfig file')
    .option('--minify', 'remove all information not used by current-context from the output')
    .option('--raw', 'display raw byte data and sensitive data')
    .option('--flatten', 'flatten the resulting kubeconfig file into self-contained output (useful for creating portable kubeconfig files)')
    .option('-o, --output <format>', 'output format: yaml or json', 'yaml')
    .action(
      action(async (opts: Opts, self: Command) => {
        const { configView } = await import('../config.js');
        configView({ ...globalFlags(self), ...opts });
      }),
    );
  examples(view, `# Show merged kubeconfig settings\nskiff config view\n\n# Show only the current context, with secrets\nskiff config view --minify --raw`);

  const getContexts = config
    .command('get-contexts')
    .description('Describe one or many contexts')
    .argument('[names...]')
    .option('-o, --output <format>', "output format; one of: name")
    .option('--no-headers', "when using the default or custom-column output format, don't print headers")
    .action(
      action(async (names: string[], opts: Opts, self: Command) => {
        const { configGetContexts } = await import('../config.js');
        configGetContexts(names, { ...globalFlags(self), ...opts, noHeaders: opts.headers === false });
      }),
    );
  examples(getContexts, `# List all the contexts in your kubeconfig file\nskiff config get-contexts`);

  config
    .command('get-clusters')
    .description('Display clusters defined in the kubeconfig')
    .action(
      action(async (_opts: Opts, self: Command) => {
        const { configGetClusters } = await import('../config.js');
        configGetClusters(globalFlags(self));
      }),
    );
  config
    .command('get-users')
    .description('Display users defined in the kubeconfig')
    .action(
      action(async (_opts: Opts, self: Command) => {
        const { configGetUsers } = await import('../config.js');
        configGetUsers(globalFlags(self));
      }),
    );

  config
    .command('current-context')
    .description('Display the current-context')
    .action(
      action(async (_opts: Opts, self: Command) => {
        const { configCurrentContext } = await import('../config.js');
        configCurrentContext(globalFlags(self));
      }),
    );

  const use = config
    .command('use-context')
    .alias('use')
    .description('Set the current-context in a kubeconfig file')
    .argument('<name>')
    .action(
      action(async (name: string, _opts: Opts, self: Command) => {
        const { configUseContext } = await import('../config.js');
        configUseContext(name, globalFlags(self));
      }),
    );
  examples(use, `# Use the context for the minikube cluster\nskiff config use-context minikube`);

  const setContext = config
    .command('set-context')
    .description(
      'Set a context entry in kubeconfig. Specifying a name that already exists will merge new fields on top of existing values for those fields. ' +
        'The namespace is given with the global --namespace (-n) flag.',
    )
    .usage('[NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [flags]')
    .argument('[name]')
    .option('--current', 'modify the current context')
    .option('--cluster <name>', 'cluster for the context entry in kubeconfig')
    .option('--user <name>', 'user for the context entry in kubeconfig')
    .action(
      action(async (name: string | undefined, opts: Opts, self: Command) => {
        const { configSetContext } = await import('../config.js');
        configSetContext(name, { ...globalFlags(self), ...opts });
      }),
    );
  examples(setContext, `# Set the user field on the gce context entry without touching other values\nskiff config set-context gce --user=cluster-admin\n\n# Switch the current context's namespace\nskiff config set-context --current --namespace=demo`);

  const setCluster = config
    .command('set-cluster')
    .description('Set a cluster entry in kubeconfig. The address is given with the global --server (-s) flag; --insecure-skip-tls-verify is also global.')
    .usage('NAME [--server=server] [--certificate-authority=path/to/certificate/authority] [--insecure-skip-tls-verify=true] [--tls-server-name=example.com] [flags]')
    .argument('<name>')
    .option('--certificate-authority <file>', 'path to certificate-authority file for the cluster entry in kubeconfig')
    .addOption(new Option('--embed-certs [bool]', 'embed-certs for the cluster entry in kubeconfig').argParser(parseBool('--embed-certs')))
    .option('--tls-server-name <name>', 'tls-server-name for the cluster entry in kubeconfig')
    .action(
      action(async (name: string, opts: Opts, self: Command) => {
        const { configSetCluster } = await import('../config.js');
        configSetCluster(name, { ...globalFlags(self), ...opts });
      }),
    );
  examples(setCluster, `# Set only the server field on the e2e cluster entry without touching other values\nskiff config set-cluster e2e --server=https://1.2.3.4`);

  const setCredentials = config
    .command('set-credentials')
    .description('Set a user entry in kubeconfig. A bearer token is given with the global --token flag.')
    .usage('NAME [--client-certificate=path/to/certfile] [--client-key=path/to/keyfile] [--token=bearer_token] [flags]')
    .argument('<name>')
    .option('--client-certificate <file>', 'path to client-certificate file for the user entry in kubeconfig')
    .option('--client-key <file>', 'path to client-key file for the user entry in kubeconfig')
    .addOption(new Option('--embed-certs [bool]', 'embed client cert/key for the user entry in kubeconfig').argParser(parseBool('--embed-certs')))
    .action(
      action(async (name: string, opts: Opts, self: Command) => {
        const { configSetCredentials } = await import('../config.js');
        configSetCredentials(name, { ...globalFlags(self), ...opts });
      }),
    );
  examples(setCredentials, `# Set only the token of the cluster-admin entry\nskiff config set-credentials cluster-admin --token=bearer_token`);

  config
    .command('delete-context')
    .description('Delete the specified context from the kubeconfig')
    .argument('<name>')
    .action(
      action(async (name: string, _opts: Opts, self: Command) => {
        const { configDeleteContext } = await import('../config.js');
        configDeleteContext(name, globalFlags(self));
      }),
    );
}
