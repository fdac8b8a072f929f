// `skiff scheduler`: flags and the configuration file to options, and the
// process around the scheduler (signals, exit).
import { untilShutdown } from '../src/component/shutdown.js';
import { createLogger } from '../src/log.js';
import { RestClient } from '../src/client/index.js';
import { loadSchedulerConfig } from './config.js';
import { defaultPort, SchedulerServer } from './server.js';

export interface SchedulerFlags {
  kubeconfig?: string;
  /** a KubeSchedulerConfiguration file (YAML) */
  config?: string;
  /** /healthz and /metrics; 0 = off */
  port?: number;
  /** overrides the file's leaderElection.leaderElect (on by default) */
  leaderElect?: boolean;
  /** override the file's clientConnection.qps and burst (kube-scheduler's --kube-api-qps, --kube-api-burst) */
  kubeApiQps?: number;
  kubeApiBurst?: number;
  logLevel?: string;
}

/**
 * Runs the scheduler until SIGTERM or SIGINT (or the signal given), then
 * shuts down cleanly: bindings in flight finish, the lease is released for
 * the next replica, connections are closed. A second signal exits at once.
 */
export async function runScheduler(flags: SchedulerFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const log = createLogger('scheduler', flags.logLevel ?? 'info');
  const config = loadSchedulerConfig(flags.config);
  const kubeconfig = flags.kubeconfig ?? config.clientConnection.kubeconfig;
  const qps = flags.kubeApiQps ?? config.clientConnection.qps;
  const burst = flags.kubeApiBurst ?? config.clientConnection.burst;
  const load = kubeconfig ? { path: kubeconfig } : {};
  const client = RestClient.fromKubeconfig(load, {
    userAgent: 'skiff-scheduler',
    qps,
    burst,
    // Bindings and status writes can burst by the thousand: reuse a bounded set of connections
    // (a few are held by watches) rather than opening one TLS connection per request in flight.
    connections: 64,
  });
  // kube-scheduler's eventClient: the same kubeconfig and limits, but a budget of its own, so that a
  // thousand Scheduled events never delay a binding.
  const eventClient = RestClient.fromKubeconfig(load, { userAgent: 'skiff-scheduler/events', qps, burst, connections: 16 });
  const server = new SchedulerServer({
    client,
    eventClient,
    config,
    ...(flags.leaderElect !== undefined ? { leaderElect: flags.leaderElect } : {}),
    port: flags.port ?? defaultPort,
    log,
  });
  const address = await server.start();
  log.info(
    {
      server: client.config.server,
      profiles: config.profiles.map((p) => p.schedulerName),
      kubeApiQps: qps,
      kubeApiBurst: burst,
      leaderElection: flags.leaderElect ?? config.leaderElection.leaderElect,
      identity: server.identity,
      ...(address ? { serving: address } : {}),
    },
    'scheduler started',
  );

  await untilShutdown(log, opts.signal);
  await server.stop();
  await Promise.all([client.close(), eventClient.close()]);
  log.info('scheduler stopped');
}
