// Starts a real apiserver for a test file: a private etcd, the apiserver in
// this process on a free loopback port with TLS and a bearer token, and a
// kubeconfig for outside clients (kubectl). stop() leaves nothing behind.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startEtcd, type EtcdProcess } from './etcd.js';
import { EtcdStorage } from '../../apiserver/storage/etcd.js';
import { ApiServer, type ApiServerOptions } from '../../apiserver/server.js';
import { TokenAuthenticator } from '../../apiserver/auth.js';
import { ensureServingCert } from '../../src/cluster/pki.js';
import { writeKubeconfig } from '../../src/client/kubeconfig.js';
import { RestClient } from '../../src/client/rest.js';

export interface TestApiServer {
  url: string;
  token: string;
  ca: string;
  kubeconfig: string;
  etcd: EtcdProcess;
  server: ApiServer;
  storage: EtcdStorage;
  /** a client authenticated as the admin user */
  client: RestClient;
  stop(): Promise<void>;
}

export async function startApiServer(
  extra: Partial<Omit<ApiServerOptions, 'storage' | 'logger'>> & { tls?: boolean } = {},
): Promise<TestApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-apiserver-'));
  const etcd = await startEtcd();
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`);
  const useTls = extra.tls ?? true;
  const cert = useTls ? ensureServingCert(join(dir, 'pki'), 'apiserver', { dns: ['localhost'], ips: ['127.0.0.1'] }) : undefined;
  const { tls: _tls, ...rest } = extra;
  const server = new ApiServer({
    storage,
    logger: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }),
    authenticator: TokenAuthenticator.fromFile(join(dir, 'tokens.csv')),
    tls: cert ? { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) } : undefined,
    compactionIntervalMs: 0,
    ...rest,
  });
  const address = await server.start({ host: '127.0.0.1', port: 0 });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  const ca = cert ? readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8') : '';
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: url, token, ...(ca ? { ca } : {}) });
  const client = new RestClient({ server: url, token, ca: ca || undefined, namespace: 'default', contextName: 'test' }, { rateLimit: false });
  return {
    url,
    token,
    ca,
    kubeconfig,
    etcd,
    server,
    storage,
    client,
    async stop() {
      await client.close();
      await server.stop();
      await storage.close();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
