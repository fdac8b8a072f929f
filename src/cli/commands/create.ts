// skiff create: kubectl's create -f and its object generators.
import { Option, type Command } from 'commander';
import { action } from '../action.js';
import { collect, examples, intFlag } from '../command-kit.js';
import { globalFlags } from '../flags.js';

type Opts = Record<string, unknown>;

const dryRunOption = (): Option =>
  new Option('--dry-run [strategy]', 'only print the object that would be sent: "none", "server" or "client"')
    .choices(['none', 'server', 'client'])
    .preset('client');

function common(cmd: Command): Command {
  return cmd
    .addOption(dryRunOption())
    .option('-o, --output <format>', 'output format: json, yaml, name, jsonpath=..., custom-columns=...')
    .option('--save-config', 'save the configuration in the last-applied-configuration annotation, for later apply');
}

export function register(program: Command): void {
  const create = common(
    program
      .command('create')
      .summary('Create a resource from a file or from stdin')
      .description('Create a resource from a file or from stdin.\n\nJSON and YAML formats are accepted.')
      .usage('-f FILENAME [flags]')
      .option('-f, --filename <file>', 'filename, directory ("-" for stdin) to use to create the resource', collect())
      .option('-R, --recursive', 'process the directory used in -f, --filename recursively'),
  ).action(
    action(async (opts: Opts, self: Command) => {
      const { runCreateFromFiles } = await import('../create/run.js');
      await runCreateFromFiles({ ...globalFlags(self), ...opts });
    }),
  );
  examples(
    create,
    `
    # Create a pod using the data in pod.json
    skiff create -f ./pod.json

    # Create a pod based on the JSON passed into stdin
    cat pod.json | skiff create -f -

    # Create a deployment and print it without sending it
    skiff create deployment web --image=nginx --dry-run=client -o yaml`,
  );

  const ns = common(create.command('namespace').alias('ns').description('Create a namespace with the specified name').argument('<name>')).action(
    action(async (name: string, opts: Opts, self: Command) => {
      const { runCreateNamespace } = await import('../create/run.js');
      await runCreateNamespace(name, { ...globalFlags(self), ...opts });
    }),
  );
  examples(ns, `# Create a new namespace named my-namespace\nskiff create namespace my-namespace`);

  const deploy = common(
    create
      .command('deployment')
      .alias('deploy')
      .description('Create a deployment with the specified name')
      .usage('NAME --image=image -- [COMMAND] [args...] [flags]')
      .argument('<name>')
      .argument('[command...]')
      .option('--image <image>', 'image names to run; a deployment can have multiple images set for multi-container pod', collect())
      .addOption(new Option('-r, --replicas <n>', 'number of replicas to create').argParser(intFlag('--replicas', 0)))
      .addOption(new Option('--port <port>', 'the containerPort that this deployment exposes').argParser(intFlag('--port', 0))),
  ).action(
    action(async (name: string, command: string[], opts: Opts, self: Command) => {
      const { runCreateDeployment } = await import('../create/run.js');
      await runCreateDeployment(name, { ...globalFlags(self), ...opts }, command);
    }),
  );
  examples(
    deploy,
    `
    # Create a deployment named my-dep that runs the busybox image
    skiff create deployment my-dep --image=busybox

    # Create a deployment named my-dep that runs the nginx image with 3 replicas
    skiff create deployment my-dep --image=nginx --replicas=3

    # Create a deployment named my-dep that runs the busybox image and expose port 5701
    skiff create deployment my-dep --image=busybox --port=5701`,
  );

  const dataOptions = (c: Command): Command =>
    c
      .option('--from-literal <key=value>', 'specify a key and literal value to insert (i.e. mykey=somevalue)', collect())
      .option('--from-file <[key=]source>', 'key files can be specified using their file path, or a folder', collect())
      .option('--from-env-file <file>', 'specify the path to a file to read lines of key=val pairs', collect());

  const cm = common(
    dataOptions(create.command('configmap').alias('cm').description('Create a config map from a local file, directory or literal value').argument('<name>')),
  ).action(
    action(async (name: string, opts: Opts, self: Command) => {
      const { runCreateConfigMap } = await import('../create/run.js');
      await runCreateConfigMap(name, { ...globalFlags(self), ...opts });
    }),
  );
  examples(
    cm,
    `
    # Create a new config map named my-config based on folder bar
    skiff create configmap my-config --from-file=path/to/bar

    # Create a new config map named my-config with key1=config1 and key2=config2
    skiff create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2

    # Create a new config map named my-config from an env file
    skiff create configmap my-config --from-env-file=path/to/foo.env`,
  );

  const secret = create.command('secret').description('Create a secret using a specified subcommand');
  const generic = common(
    dataOptions(secret.command('generic').description('Create a secret from a local file, directory, or literal value').argument('<name>')).option(
      '--type <type>',
      'the type of secret to create',
    ),
  ).action(
    action(async (name: string, opts: Opts, self: Command) => {
      const { runCreateSecretGeneric } = await import('../create/run.js');
      await runCreateSecretGeneric(name, { ...globalFlags(self), ...opts });
    }),
  );
  examples(
    generic,
    `
    # Create a new secret named my-secret with keys for each file in folder bar
    skiff create secret generic my-secret --from-file=path/to/bar

    # Create a new secret named my-secret with key1=supersecret and key2=topsecret
    skiff create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret`,
  );

  const service = create.command('service').alias('svc').description('Create a service using a specified subcommand');
  const clusterip = common(
    service
      .command('clusterip')
      .description('Create a ClusterIP service with the specified name')
      .argument('<name>')
      .option('--tcp <port:targetPort>', 'port pairs can be specified as "<port>:<targetPort>"', collect(true))
      .option('--clusterip <ip>', 'assign your own ClusterIP or set to "None" for a "headless" service (no loadbalancing)'),
  ).action(
    action(async (name: string, opts: Opts, self: Command) => {
      const { runCreateService } = await import('../create/run.js');
      await runCreateService(name, 'ClusterIP', { ...globalFlags(self), ...opts, clusterIp: opts.clusterip as string | undefined });
    }),
  );
  examples(
    clusterip,
    `
    # Create a new ClusterIP service named my-cs
    skiff create service clusterip my-cs --tcp=5678:8080

    # Create a new ClusterIP service named my-cs (in headless mode)
    skiff create service clusterip my-cs --clusterip="None"`,
  );
  const nodeport = common(
    service
      .command('nodeport')
      .description('Create a NodePort service with the specified name')
      .argument('<name>')
      .option('--tcp <port:targetPort>', 'port pairs can be specified as "<port>:<targetPort>"', collect(true))
      .addOption(new Option('--node-port <port>', 'port used to expose the service on each node in a cluster').argParser(intFlag('--node-port', 0))),
  ).action(
    action(async (name: string, opts: Opts, self: Command) => {
      const { runCreateService } = await import('../create/run.js');
      await runCreateService(name, 'NodePort', { ...globalFlags(self), ...opts });
    }),
  );
  examples(nodeport, `# Create a new NodePort service named my-ns\nskiff create service nodeport my-ns --tcp=5678:8080`);
}
