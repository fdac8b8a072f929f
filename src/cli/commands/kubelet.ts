// `skiff kubelet`: the node agent. Only flag definitions here; the kubelet is
// loaded when the command runs.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { KubeletFlags } from '../../../kubelet/main.js';

const nonNegative = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const bool = (name: string) => (v: string | undefined): boolean => {
  if (v === undefined) return true;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new InvalidArgumentError(`${name} must be true or false`);
};

function fail(err: unknown): never {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function register(program: Command): void {
  program
    .command('kubelet')
    .description(
      'Run the node agent: registers this node, keeps its lease and status current, and runs the pods bound to it ' +
        '(sandboxes, init containers, sidecars, restarts with back-off, probes, volumes, graceful termination) on Docker or a simulated runtime',
    )
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--node-name <name>', "the node's name (default: this machine's hostname)")
    .option('--node-ip <ip>', "the node's InternalIP: pods' hostIP, and where the kubelet server listens", '127.0.0.1')
    .addOption(new Option('--runtime <runtime>', 'container runtime (simulated runs nothing: for control-plane testing)').choices(['docker', 'simulated']).default('docker'))
    .option('--root-dir <dir>', "the kubelet's directory, pod volumes under <dir>/pods (default: ~/.skiff/kubelet/<node>)")
    .option('--port <port>', 'kubelet server port for logs, exec, attach and stats over HTTPS (0 = off)', nonNegative('--port'), 10250)
    .option('--tls-cert-file <file>', 'kubelet server certificate (PEM); without one a self-signed certificate is made')
    .option('--tls-private-key-file <file>', 'kubelet server private key (PEM)')
    .option('--client-ca-file <file>', 'only clients with a certificate signed by this CA (the apiserver) may use the kubelet server')
    .option('--cluster-dns <ips>', 'comma-separated DNS server IPs for pods with dnsPolicy ClusterFirst')
    .option('--cluster-domain <domain>', 'the cluster domain pods search', 'cluster.local')
    .option('--cpu <quantity>', "CPU capacity to report, e.g. 4 or 3500m (default: this machine's cores)")
    .option('--memory <quantity>', "memory capacity to report, e.g. 8Gi (default: this machine's memory)")
    .option('--max-pods <n>', 'pods this node accepts', nonNegative('--max-pods'), 110)
    .option('--node-labels <labels>', 'labels to add when registering the node, k=v,k2=v2')
    .option('--register-with-taints <taints>', 'taints to register the node with, key=value:Effect,key2:Effect')
    .addOption(
      new Option('--allow-image-pull [bool]', 'pull missing images from a registry (false: only images already on the node run)')
        .argParser(bool('--allow-image-pull'))
        .default(true),
    )
    .option('--pause-image <image>', 'image of the pod sandbox container (docker runtime)', 'skiff/pause:latest')
    .option('--healthz-port <port>', 'serve /healthz and /metrics over HTTP on 127.0.0.1 at this port (0 = off)', nonNegative('--healthz-port'), 0)
    .option('--hollow-nodes <n>', 'run this many simulated kubelets named <node-name>-<i> in this process (implies --runtime=simulated)', nonNegative('--hollow-nodes'), 0)
    .option('--node-status-update-frequency <duration>', 'how often node status is computed (written only when changed)', '10s')
    .option('--node-status-report-frequency <duration>', 'node status is written at least this often', '1m')
    .option('--node-lease-renew-interval <duration>', 'how often the node Lease is renewed', '10s')
    .option('--node-lease-duration-seconds <n>', 'leaseDurationSeconds of the node Lease', nonNegative('--node-lease-duration-seconds'), 40)
    .option('--sync-frequency <duration>', 'how often every pod is synced even when nothing happened', '1m')
    .option('--container-restart-backoff <duration>', 'first CrashLoopBackOff delay (doubles per restart)', '10s')
    .option('--container-restart-backoff-max <duration>', 'longest CrashLoopBackOff delay', '5m')
    .option('--image-pull-backoff <duration>', 'first ImagePullBackOff delay (doubles per failure)', '10s')
    .option('--image-pull-backoff-max <duration>', 'longest ImagePullBackOff delay', '5m')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      '\nDurations are Go durations: 500ms, 10s, 1m30s.\n\nExamples:\n' +
        '  skiff kubelet --node-name node-1 --node-ip 127.0.1.1\n' +
        '  skiff kubelet --runtime simulated --hollow-nodes 100 --node-name hollow\n',
    )
    .action(async (flags: KubeletFlags) => {
      const { runKubelet } = await import('../../../kubelet/main.js');
      await runKubelet(flags).catch(fail);
    });
}
