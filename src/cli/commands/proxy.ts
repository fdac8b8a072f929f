// `skiff proxy`: the service proxy of one node (kube-proxy).
import { InvalidArgumentError, Option, type Command } from 'commander';

const port = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${flag} must be a port number (0 = off)`);
  return n;
};

const bool = (flag: string) => (v: string | undefined): boolean => {
  if (v === undefined || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new InvalidArgumentError(`${flag} must be true or false`);
};

function fail(err: unknown): never {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function register(program: Command): void {
  program
    .command('proxy')
    .description("Run a node's service proxy: cluster IPs and node ports balanced over ready endpoints, as userspace listeners or iptables rules")
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--node-name <name>', 'the node this proxy serves; names its iptables chains (default: the hostname)')
    .option('--node-ip <ip>', 'node ports are served on this address', '127.0.0.1')
    .addOption(
      new Option('--proxy-mode <mode>', 'userspace (listeners in this process) or iptables (kernel NAT rules; default when running as root with iptables-restore)').choices([
        'userspace',
        'iptables',
      ]),
    )
    .option('--service-cidr <cidr>', "the apiserver's service IP range; made local to this host", '10.96.0.0/12')
    .addOption(
      new Option('--cluster-ips [bool]', 'serve cluster IPs (exactly one proxy per host does; the others serve only their node ports)')
        .argParser(bool('--cluster-ips'))
        .default(true),
    )
    .option('--healthz-port <port>', 'serve /healthz and /metrics over HTTP on 127.0.0.1 at this port (0 = off)', port('--healthz-port'), 10256)
    .option('--cleanup', "remove this node's proxy chains and jumps (and, with --cluster-ips, the host-wide chains and the local route), then exit")
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: import('../../../proxy/main.js').ProxyFlags) => {
      const { runProxy } = await import('../../../proxy/main.js');
      await runProxy(flags).catch(fail);
    });
}
