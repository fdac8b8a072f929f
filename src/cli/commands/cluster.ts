// `skiff up`, `skiff down`, `skiff status`: a whole local cluster.
import { Command, InvalidArgumentError, Option } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';

const defaultHome = () => process.env.SKIFF_HOME ?? join(homedir(), '.skiff');

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function fail(err: unknown): never {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

interface UpFlags {
  home: string;
  kubeconfig?: string;
  nodes: number;
  runtime: 'docker' | 'simulated';
  proxyMode?: 'userspace' | 'iptables';
  apiserverPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  logLevel: string;
  foreground?: boolean;
  prepareOnly?: boolean;
  nodePrefix?: string;
  nodeNet?: number;
  nodePortBase?: number;
  allowImagePull?: boolean;
  timeout: number;
  apiserverArg?: string[];
  controllerManagerArg?: string[];
  schedulerArg?: string[];
  kubeletArg?: string[];
  proxyArg?: string[];
  metricsServerArg?: string[];
}

export function register(program: Command): void {
  program
    .command('up')
    .description('Start a local cluster: etcd, the apiserver (TLS, a token per component), the controller-manager, the scheduler, and a kubelet and proxy per node; returns once every node is Ready')
    .option('--home <dir>', 'where the cluster keeps its data, certificates, tokens and logs ($SKIFF_HOME)', defaultHome())
    .option('--kubeconfig <file>', 'where to write the admin kubeconfig (default: <home>/kubeconfig)')
    .option('--nodes <n>', 'number of nodes (each a kubelet and a proxy on its own 127.0.1.N address)', positive('--nodes'), 2)
    .addOption(new Option('--runtime <runtime>', 'container runtime of the kubelets (simulated needs no Docker)').choices(['docker', 'simulated']).default('docker'))
    .addOption(new Option('--proxy-mode <mode>', 'service proxy mode (default: iptables as root where available, else userspace)').choices(['userspace', 'iptables']))
    .option('--apiserver-port <port>', 'apiserver HTTPS port', positive('--apiserver-port'), 6443)
    .option('--etcd-port <port>', 'etcd client port', positive('--etcd-port'), 2379)
    .option('--etcd-peer-port <port>', 'etcd peer port', positive('--etcd-peer-port'), 2380)
    .option('--timeout <seconds>', 'how long to wait for every node to be Ready', positive('--timeout'), 300)
    .option('--log-level <level>', 'component log level', 'info')
    .option('--apiserver-arg <flag>', 'extra apiserver flag, e.g. --apiserver-arg=--default-unreachable-toleration-seconds=30 (repeatable)', collect)
    .option('--controller-manager-arg <flag>', 'extra controller-manager flag (repeatable)', collect)
    .option('--scheduler-arg <flag>', 'extra scheduler flag (repeatable)', collect)
    .option('--kubelet-arg <flag>', 'extra flag for every kubelet (repeatable)', collect)
    .option('--proxy-arg <flag>', 'extra flag for every proxy (repeatable)', collect)
    .option('--metrics-server-arg <flag>', 'extra metrics-server flag, e.g. --metrics-server-arg=--metric-resolution=5s (repeatable)', collect)
    .option('--node-prefix <prefix>', 'node names are <prefix>-1, <prefix>-2, ... (clusters sharing one Docker engine need different prefixes)', 'skiff-node')
    .option('--node-net <n>', 'node IPs are 127.0.<n>.1, 127.0.<n>.2, ...', positive('--node-net'), 1)
    .option('--node-port-base <port>', 'per-node health ports start here: kubelet healthz, proxy healthz, then +10 per node', positive('--node-port-base'), 10248)
    .option('--allow-image-pull', 'let kubelets pull missing images from registries (by default a local cluster runs only images present in the local Docker engine, e.g. those scripts/build-images.sh makes)')
    .option('--prepare-only', 'write certificates, tokens and kubeconfigs into --home and start nothing (docker-compose.yml runs the components)')
    .option('--foreground', 'run the supervisor in this terminal (Ctrl-C stops the cluster) instead of in the background')
    .addHelpText(
      'after',
      '\nExamples:\n  skiff up                          # 2 nodes on Docker\n  skiff up --nodes 3 --runtime simulated\n  skiff up --controller-manager-arg=--node-monitor-grace-period=10s\n',
    )
    .action(async (f: UpFlags) => {
      const { up } = await import('../../cluster/up.js');
      await up({
        home: f.home,
        kubeconfig: f.kubeconfig ?? join(f.home, 'kubeconfig'),
        nodes: f.nodes,
        runtime: f.runtime,
        ...(f.proxyMode ? { proxyMode: f.proxyMode } : {}),
        apiserverPort: f.apiserverPort,
        etcdPort: f.etcdPort,
        etcdPeerPort: f.etcdPeerPort,
        logLevel: f.logLevel,
        foreground: f.foreground ?? false,
        prepareOnly: f.prepareOnly ?? false,
        ...(f.nodePrefix ? { nodePrefix: f.nodePrefix } : {}),
        ...(f.nodeNet !== undefined ? { nodeNet: f.nodeNet } : {}),
        ...(f.nodePortBase !== undefined ? { nodePortBase: f.nodePortBase } : {}),
        allowImagePull: f.allowImagePull ?? false,
        timeoutSeconds: f.timeout,
        apiserverArgs: f.apiserverArg,
        controllerManagerArgs: f.controllerManagerArg,
        schedulerArgs: f.schedulerArg,
        kubeletArgs: f.kubeletArg,
        proxyArgs: f.proxyArg,
        metricsServerArgs: f.metricsServerArg,
      }).catch(fail);
    });

  program
    .command('down')
    .description("Stop the local cluster and remove its pods' containers; its data stays unless --purge")
    .option('--home <dir>', 'the cluster home ($SKIFF_HOME)', defaultHome())
    .option('--purge', 'also delete the home directory: etcd data, certificates, tokens, logs')
    .action(async (f: { home: string; purge?: boolean }) => {
      const { down } = await import('../../cluster/down.js');
      await down({ home: f.home, purge: f.purge ?? false }).catch(fail);
    });

  program
    .command('status')
    .description('List the local cluster components: pid, health, restarts and log file')
    .option('--home <dir>', 'the cluster home ($SKIFF_HOME)', defaultHome())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .action(async (f: { home: string; output?: 'json' }) => {
      const { status } = await import('../../cluster/status.js');
      process.exitCode = await status(f).catch(fail);
    });
}
