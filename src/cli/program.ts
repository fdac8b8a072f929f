// The `skiff` command tree: one binary, every role a subcommand. Each subcommand loads its
// component lazily so that light commands (version, help) start fast.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { commandRegistrars } from './commands/index.js';
import { action, cliIO } from './action.js';
import { addGlobalFlags, globalFlags } from './flags.js';

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

const positive = (name: string, integer = false) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
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
    .summary('Print the client and server version information')
    .description('Print the client and server version information for the current context. The client version is printed even when the server cannot be reached.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .option('--client', 'if true, shows client version only (no server required)')
    .action(
      action(async (opts: { output?: 'json' | 'yaml'; client?: boolean }, self: Command) => {
        const clientVersion = { gitVersion: `v${SKIFF_VERSION}`, platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
        const { runVersion } = await import('./version.js');
        await runVersion(clientVersion, { ...globalFlags(self), ...opts }, cliIO.out, cliIO.err);
      }),
    );

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
    .option('--kubelet-client-certificate <file>', 'client certificate (PEM) the apiserver presents to kubelets for logs, exec and attach')
    .option('--kubelet-client-key <file>', 'private key (PEM) of --kubelet-client-certificate')
    .option('--kubelet-certificate-authority <file>', "CA (PEM) to verify kubelets' serving certificates with (unverified without)")
    .option('--default-not-ready-toleration-seconds <seconds>', 'tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration every pod without one gets', int('--default-not-ready-toleration-seconds'), 300)
    .option('--default-unreachable-toleration-seconds <seconds>', 'tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration every pod without one gets', int('--default-unreachable-toleration-seconds'), 300)
    .option('--event-ttl <duration>', 'how long events are kept after their last write', '1h0m0s')
    .option('--metrics-server-url <url>', 'serve metrics.k8s.io by proxying to this metrics server (https://host:port), as the aggregation layer does')
    .option('--metrics-server-ca-file <file>', "CA (PEM) to verify the metrics server's serving certificate with")
    .addOption(new Option('--metrics-server-insecure-skip-tls-verify [bool]', "do not verify the metrics server's serving certificate").argParser(bool('--metrics-server-insecure-skip-tls-verify')).preset('true'))
    .option('--proxy-client-cert-file <file>', 'client certificate (PEM) the apiserver presents to aggregated servers (the metrics server)')
    .option('--proxy-client-key-file <file>', 'private key (PEM) of --proxy-client-cert-file')
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
    .option('--kube-api-qps <qps>', "requests per second each controller's client may send to the apiserver; every controller has a client of its own, and events go through one more", positive('--kube-api-qps'), 500)
    .option('--kube-api-burst <n>', "requests each controller's client may send at once above --kube-api-qps", positive('--kube-api-burst', true), 1000)
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--node-monitor-grace-period <duration>', 'how long a node may go unheard (lease and status) before it is marked Unknown and tainted unreachable', '40s')
    .option('--node-startup-grace-period <duration>', 'the same for a node that never posted its status', '1m')
    .option('--node-monitor-period <duration>', 'how often unhealthy nodes are looked at again', '5s')
    .option('--node-eviction-rate <rate>', 'nodes per second per zone that get NoExecute taints (their pods evicted) when nodes fail', '0.1')
    .option('--secondary-node-eviction-rate <rate>', 'the same for a mostly unhealthy zone of a large cluster', '0.01')
    .option('--large-cluster-size-threshold <n>', 'zone size beyond which the secondary eviction rate applies', '50')
    .option('--unhealthy-zone-threshold <fraction>', 'share of not-ready nodes that makes a zone unhealthy', '0.55')
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often every HorizontalPodAutoscaler is reconciled', '15s')
    .option('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'how far back the highest recommendation holds a scale-down', '5m0s')
    .option('--horizontal-pod-autoscaler-tolerance <ratio>', 'how far the usage ratio may stray from 1.0 before the autoscaler acts', '0.1')
    .option('--horizontal-pod-autoscaler-cpu-initialization-period <duration>', "after a pod starts, how long its CPU samples count only once it has been ready a whole window", '5m0s')
    .option('--horizontal-pod-autoscaler-initial-readiness-delay <duration>', 'after a pod starts, how long its readiness may still flip without counting as a real change', '30s')
    .action(async (flags: { kubeconfig?: string; port: number; leaderElect: boolean; controllers: string; kubeApiQps: number; kubeApiBurst: number; logLevel: string; nodeMonitorGracePeriod: string; nodeStartupGracePeriod: string; nodeMonitorPeriod: string; nodeEvictionRate: string; secondaryNodeEvictionRate: string; largeClusterSizeThreshold: string; unhealthyZoneThreshold: string; horizontalPodAutoscalerSyncPeriod: string; horizontalPodAutoscalerDownscaleStabilization: string; horizontalPodAutoscalerTolerance: string; horizontalPodAutoscalerCpuInitializationPeriod: string; horizontalPodAutoscalerInitialReadinessDelay: string }) => {
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
    .option('--kube-api-qps <qps>', "requests per second the scheduler's client may send to the apiserver; events go through a second client with the same limit (default: the config file's clientConnection.qps, 500)", positive('--kube-api-qps'))
    .option('--kube-api-burst <n>', "requests the scheduler's client may send at once above --kube-api-qps (default: the config file's clientConnection.burst, 1000)", positive('--kube-api-burst', true))
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: { kubeconfig?: string; config?: string; port: number; leaderElect?: boolean; kubeApiQps?: number; kubeApiBurst?: number; logLevel: string }) => {
      const { runScheduler } = await import('../../scheduler/main.js');
      await runScheduler(flags).catch(fail);
    });

  for (const register of commandRegistrars) register(program);

  return program;
}

