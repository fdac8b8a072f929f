// `skiff apiserver`: flags to options, storage backend, TLS and tokens, then serve.
import { readFileSync } from 'node:fs';
import { createLogger } from '../src/log.js';
import { ApiServer } from './server.js';
import { TokenAuthenticator } from './auth.js';
import type { Storage } from './storage/interface.js';
import { metricsServerFromFlags, type AggregationFlags } from './aggregation.js';
import { parseEventTTL } from './storage/ttl.js';

export interface ApiServerFlags extends AggregationFlags {
  /** how long events are kept after their last write (Go duration); 1h0m0s */
  eventTtl?: string;
  etcdServers: string;
  storageBackend: 'etcd3' | 'memory';
  bindAddress: string;
  securePort: number;
  tokenAuthFile?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  logLevel: string;
  watchCacheCapacity: number;
  etcdCompactionInterval: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  minRequestTimeout: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  kubeletCertificateAuthority?: string;
  /** DefaultTolerationSeconds for new pods; 300 */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
}

export async function runApiServer(flags: ApiServerFlags): Promise<void> {
  const log = createLogger('apiserver', flags.logLevel);
  if (Boolean(flags.tlsCertFile) !== Boolean(flags.tlsPrivateKeyFile)) {
    throw new Error('--tls-cert-file and --tls-private-key-file must be given together');
  }
  if (Boolean(flags.kubeletClientCertificate) !== Boolean(flags.kubeletClientKey)) {
    throw new Error('--kubelet-client-certificate and --kubelet-client-key must be given together');
  }
  let storage: Storage;
  if (flags.storageBackend === 'memory') {
    const { MemoryStorage } = await import('./storage/memory.js');
    storage = new MemoryStorage();
    log.warn('storage backend is memory: nothing survives a restart');
  } else {
    const { EtcdStorage } = await import('./storage/etcd.js');
    storage = new EtcdStorage({ endpoints: flags.etcdServers.split(',').map((s) => s.trim()).filter(Boolean) });
  }
  const authenticator = flags.tokenAuthFile ? TokenAuthenticator.fromFile(flags.tokenAuthFile) : undefined;
  if (!authenticator) log.warn('no --token-auth-file: every request is served as system:anonymous');
  const metricsServer = metricsServerFromFlags(flags);
  const server = new ApiServer({
    storage,
    logger: log,
    ...(metricsServer ? { metricsServer } : {}),
    eventTTLSeconds: parseEventTTL(flags.eventTtl ?? '1h'),
    authenticator,
    tls: flags.tlsCertFile
      ? { cert: readFileSync(flags.tlsCertFile), key: readFileSync(flags.tlsPrivateKeyFile!) }
      : undefined,
    watchCacheCapacity: flags.watchCacheCapacity,
    compactionIntervalMs: flags.etcdCompactionInterval * 1000,
    maxRequestsInflight: flags.maxRequestsInflight,
    maxMutatingRequestsInflight: flags.maxMutatingRequestsInflight,
    minRequestTimeoutSeconds: flags.minRequestTimeout,
    serviceClusterIPRange: flags.serviceClusterIpRange,
    serviceNodePortRange: flags.serviceNodePortRange,
    defaultNotReadyTolerationSeconds: flags.defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds: flags.defaultUnreachableTolerationSeconds,
    kubeletClient: {
      ...(flags.kubeletClientCertificate ? { cert: readFileSync(flags.kubeletClientCertificate), key: readFileSync(flags.kubeletClientKey!) } : {}),
      ...(flags.kubeletCertificateAuthority ? { ca: readFileSync(flags.kubeletCertificateAuthority) } : {}),
    },
  });
  const address = await server.start({ host: flags.bindAddress, port: flags.securePort });
  log.info({ address, tls: Boolean(flags.tlsCertFile), etcd: flags.etcdServers }, 'apiserver serving');
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await server.stop();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
