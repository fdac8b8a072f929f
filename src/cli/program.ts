// The `skiff` command tree: one binary, every role a subcommand. Each subcommand loads its
// component lazily so that light commands (version, help) start fast.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { commandRegistrars } from './commands/index.js';
import { addGlobalFlags } from './flags.js';

export const SKIFF_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
})();

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const bool = (name: string) => (v: string): boolean => {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new InvalidArgumentError(`${name} must be true or false`);
};

export function fail(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg}\n`);
  process.exit(1);
}

export function buildProgram(): Command {
  const program = new Command('skiff')
    .description('Skiff: a Kubernetes-style container orchestrator. Every component and the kubectl-like verbs are subcommands.')
    .version(SKIFF_VERSION, '--skiff-version', 'print the version number and exit')
    .showHelpAfterError("(run 'skiff --help' for usage)");
  addGlobalFlags(program);

  program
    .command('version')
    .description('Print the client version')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .action(async (opts: { output?: 'json' | 'yaml' }) => {
      const info = {
        clientVersion: { gitVersion: `v${SKIFF_VERSION}`, platform: `${process.platform}/${process.arch}`, nodeVersion: process.version },
      };
      if (opts.output === 'json') process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      else if (opts.output === 'yaml') {
        const { stringify } = await import('yaml');
        process.stdout.write(stringify(info));
      } else process.stdout.write(`Client Version: v${SKIFF_VERSION}\n`);
    });

  program
    .command('apiserver')
    .description('Run the API server: Kubernetes REST API over etcd')
    .option('--etcd-servers <urls>', 'comma-separated etcd client URLs', 'http://127.0.0.1:2379')
    .addOption(new Option('--storage-backend <backend>', 'storage backend (memory keeps nothing across restarts)').choices(['etcd3', 'memory']).default('etcd3'))
    .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
    .option('--secure-port <port>', 'port to listen on (HTTPS when TLS files are given)', int('--secure-port'), 6443)
    .option('--token-auth-file <file>', 'static bearer tokens, CSV: token,user,uid,"group1,group2"')
    .option('--tls-cert-file <file>', 'serving certificate (PEM)')
    .option('--tls-private-key-file <file>', 'serving private key (PEM)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--watch-cache-capacity <n>', 'events kept per resource for resuming watches', int('--watch-cache-capacity'), 10000)
    .option('--etcd-compaction-interval <seconds>', 'compact etcd history older than this (0 disables)', int('--etcd-compaction-interval'), 300)
    .option('--max-requests-inflight <n>', 'concurrent read requests before 429 (0 = unlimited)', int('--max-requests-inflight'), 400)
    .option('--max-mutating-requests-inflight <n>', 'concurrent write requests before 429 (0 = unlimited)', int('--max-mutating-requests-inflight'), 200)
    .option('--min-request-timeout <seconds>', 'watches without timeoutSeconds end after between this and twice this', int('--min-request-timeout'), 1800)
    .option('--service-cluster-ip-range <cidr>', 'IPv4 range service cluster IPs are allocated from', '10.96.0.0/12')
    .option('--service-node-port-range <range>', 'ports NodePort services are allocated from', '30000-32767')
    .action(async (flags) => {
      const { runApiServer } = await import('../../apiserver/main.js');
      await runApiServer(flags).catch(fail);
    });

  program
    .command('controller-manager')
    .description('Run the controller-manager: the control loops (namespace lifecycle, ...) that drive the cluster toward what its objects ask for')
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--port <port>', 'serve /healthz and /metrics over HTTP on 127.0.0.1 at this port (0 = off)', int('--port'), 10257)
    .addOption(
      new Option('--leader-elect [bool]', 'run the controllers only while holding the Lease kube-system/skiff-controller-manager')
        .argParser(bool('--leader-elect'))
        .default(true)
        .preset('true'),
    )
    .option('--controllers <list>', 'controllers to run: "*" for every one on by default, "foo" to enable, "-foo" to disable', '*')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: { kubeconfig?: string; port: number; leaderElect: boolean; controllers: string; logLevel: string }) => {
      const { runControllerManager } = await import('../../controllers/main.js');
      await runControllerManager(flags).catch(fail);
    });

  program
    .command('scheduler')
    .description('Run the scheduler: assigns pending pods to nodes (filters, scores, preemption) and binds them')
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--config <file>', 'a KubeSchedulerConfiguration file (YAML): profiles, plugin weights, percentageOfNodesToScore')
    .option('--port <port>', 'serve /healthz and /metrics over HTTP on 127.0.0.1 at this port (0 = off)', int('--port'), 10259)
    .addOption(
      new Option('--leader-elect [bool]', "schedule only while holding the Lease kube-system/skiff-scheduler (default: the config file's leaderElection.leaderElect, true)")
        .argParser(bool('--leader-elect'))
        .preset('true'),
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: { kubeconfig?: string; config?: string; port: number; leaderElect?: boolean; logLevel: string }) => {
      const { runScheduler } = await import('../../scheduler/main.js');
      await runScheduler(flags).catch(fail);
    });

  for (const register of commandRegistrars) register(program);

  return program;
}

