// `skiff metrics-server`: the resource metrics API (metrics.k8s.io) that
// `top` and the HorizontalPodAutoscaler read through the apiserver.
import { InvalidArgumentError, type Command } from 'commander';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--secure-port must be a port number');
  return n;
};

export function register(program: Command): void {
  program
    .command('metrics-server')
    .description(
      "Run the metrics server: scrapes every kubelet's /stats/summary and serves metrics.k8s.io/v1beta1 (node and pod CPU and memory) for the apiserver to aggregate (skiff apiserver --metrics-server-url)",
    )
    .option('--kubeconfig <file>', 'kubeconfig to reach the apiserver with, to watch nodes and pods (default: $KUBECONFIG, then ~/.skiff/kubeconfig)')
    .option('--kubelet-client-certificate <file>', 'client certificate (PEM) presented to kubelets')
    .option('--kubelet-client-key <file>', 'private key (PEM) of --kubelet-client-certificate')
    .option('--kubelet-certificate-authority <file>', "CA (PEM) to verify kubelets' serving certificates with (unverified without)")
    .option('--kubelet-preferred-address-types <types>', 'node address types to reach kubelets at, in order', 'InternalIP,Hostname,InternalDNS,ExternalIP,ExternalDNS')
    .option('--metric-resolution <duration>', 'how often kubelets are scraped (the usage window); at least 1s', '15s')
    .option('--bind-address <ip>', 'address to serve on', '127.0.0.1')
    .option('--secure-port <port>', 'HTTPS port to serve on', port, 4443)
    .option('--tls-cert-file <file>', 'serving certificate (PEM); a self-signed one is made in memory without')
    .option('--tls-private-key-file <file>', 'serving private key (PEM)')
    .option('--requestheader-client-ca-file <file>', "serve only clients with a certificate this CA signed (the apiserver's --proxy-client-cert-file)")
    .option('--requestheader-allowed-names <names>', 'comma-separated common names allowed among those certificates (any when empty)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: import('../../metrics/main.js').MetricsServerFlags) => {
      const { runMetricsServer } = await import('../../metrics/main.js');
      await runMetricsServer(flags).catch((err: unknown) => {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      });
    });
}
