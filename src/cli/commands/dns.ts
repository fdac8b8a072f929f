// `skiff dns`: the cluster DNS (CoreDNS's kubernetes plugin), one per cluster.
import { InvalidArgumentError, type Command } from 'commander';

const port = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${flag} must be a port number (0 = off)`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function fail(err: unknown): never {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function register(program: Command): void {
  program
    .command('dns')
    .description('Run the cluster DNS: SERVICE.NAMESPACE.svc.cluster.local and friends, from Services and EndpointSlices, over UDP and TCP')
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--listen <ip:port>', 'address to answer on, UDP and TCP (repeatable; default 10.96.0.10:53)', collect)
    .option('--cluster-domain <domain>', 'the cluster zone', 'cluster.local')
    .option('--upstream <ip:port>', 'a resolver on loopback for names outside the cluster zone (without one they are REFUSED)')
    .option('--service-cidr <cidr>', 'the service IP range; made local to this host when listening inside it', '10.96.0.0/12')
    .option('--healthz-port <port>', 'serve /healthz and /metrics over HTTP on 127.0.0.1 at this port (0 = off)', port('--healthz-port'), 10255)
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: import('../../../proxy/dns/main.js').DnsFlags) => {
      const { runDns } = await import('../../../proxy/dns/main.js');
      await runDns(flags).catch(fail);
    });
}
