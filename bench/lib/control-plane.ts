// etcd and the real `skiff apiserver`, each its own process, as a benchmark
// measures them: TLS with a fresh serving certificate, a static token of a
// system:masters user, a kubeconfig for the components a benchmark starts,
// and a client with no client-side rate limit for the load generator.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RestClient, writeKubeconfig } from '../../src/client/index.js';
import { freePorts, startEtcd, terminate, type EtcdProcess } from '../../src/cluster/etcd.js';
import { ensureServingCert } from '../../src/cluster/pki.js';
import { APISERVER_NODE_FLAGS } from '../../src/cluster/node-flags.js';
import { logTail, spawnSkiff } from './components.js';

export interface ControlPlane {
  /** tokens, certificates, the kubeconfig and (with log: 'file') apiserver.log */
  dir: string;
  etcd: EtcdProcess;
  apiserver: ChildProcess;
  /** https://127.0.0.1:<port> */
  url: string;
  token: string;
  /** PEM of the CA that signed the serving certificate */
  ca: string;
  /** <dir>/kubeconfig, for components started as processes and for kubectl */
  kubeconfig: string;
  /** no client-side rate limit */
  client: RestClient;
  /** stops the apiserver and etcd (removing etcd's data), and the directory when it was temporary */
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** created when missing and kept; default a temporary directory that stop() removes */
  dir?: string;
  /** the client's default namespace; default "default" */
  namespace?: string;
  /** the client's connection limit; default 16 */
  connections?: number;
  /** flags for node running the apiserver */
  nodeArgs?: string[];
  /** flags added to `skiff apiserver` */
  apiserverArgs?: string[];
  /** where the apiserver's output goes: this terminal (default) or <dir>/apiserver.log */
  log?: 'inherit' | 'file';
}

/** Starts etcd and the apiserver and waits until /readyz answers. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const temporary = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  mkdirSync(dir, { recursive: true });
  const etcd = await startEtcd();
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);
  const cert = ensureServingCert(join(dir, 'pki'), 'apiserver', { dns: ['localhost'], ips: ['127.0.0.1'] });
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
  const [port] = await freePorts(1);
  const apiserver = spawnSkiff(
    [
      'apiserver', '--etcd-servers', etcd.endpoint, '--secure-port', String(port), '--tls-cert-file', cert.certFile,
      '--tls-private-key-file', cert.keyFile, '--token-auth-file', join(dir, 'tokens.csv'), '--log-level', 'warn',
      ...(opts.apiserverArgs ?? []),
    ],
    // the runtime flags `skiff up` gives the apiserver, then the caller's (a later flag wins)
    { nodeArgs: [...APISERVER_NODE_FLAGS, ...(opts.nodeArgs ?? [])], ...(opts.log === 'file' ? { log: { dir, name: 'apiserver' } } : {}) },
  );
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: url, token, ca });
  const client = new RestClient(
    { server: url, token, ca, namespace: opts.namespace ?? 'default', contextName: 'bench' },
    { rateLimit: false, connections: opts.connections ?? 16 },
  );
  const stop = async (): Promise<void> => {
    await client.close();
    await terminate(apiserver);
    await etcd.stop();
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await client.requestRaw('GET', '/readyz');
      break;
    } catch {
      if (i > 300) {
        const tail = opts.log === 'file' ? `:\n${logTail(dir, 'apiserver')}` : '';
        await stop();
        throw new Error(`apiserver did not become ready${tail}`);
      }
      await sleep(100);
    }
  }
  return { dir, etcd, apiserver, url, token, ca, kubeconfig, client, stop };
}
