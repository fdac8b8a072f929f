// A cluster's certificates: a CA, and serving certificates it signs, made
// with the openssl command (Node can parse X.509 but not issue it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServingCert {
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    if ((err as { code?: string }).code === 'ENOENT') throw new Error('openssl not found: install it (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${stderr ?? String(err)}`);
  }
}

/** Create dir/ca.crt and dir/ca.key unless they exist. */
export function ensureCA(dir: string, commonName = 'skiff-ca'): { certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
    openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '3650', '-subj', `/CN=${commonName}`, '-out', 'ca.crt'], dir);
  }
  return { certFile, keyFile };
}

/**
 * Create dir/{name}.crt and .key signed by the CA, valid for the given DNS
 * names and IPs, unless they exist.
 */
export function ensureServingCert(dir: string, name: string, hosts: { dns: string[]; ips: string[] }): ServingCert {
  const ca = ensureCA(dir);
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  const san = [...hosts.dns.map((d) => `DNS:${d}`), ...hosts.ips.map((ip) => `IP:${ip}`)].join(',');
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', ext, '-out', `${name}.crt`],
    dir,
  );
  return { certFile, keyFile };
}

export interface ClientCert {
  certFile: string;
  keyFile: string;
}

/**
 * Create dir/{name}.crt and .key: a client certificate signed by the CA, for
 * the user `commonName` in the groups `organizations` (the subject's O
 * fields, as Kubernetes reads them), unless they exist.
 */
export function ensureClientCert(dir: string, name: string, subject: { commonName: string; organizations?: string[] }): ClientCert {
  const ca = ensureCA(dir);
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile };
  const subj = [...(subject.organizations ?? []).map((o) => `/O=${o}`), `/CN=${subject.commonName}`].join('');
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', ext, '-out', `${name}.crt`],
    dir,
  );
  return { certFile, keyFile };
}

/**
 * The certificate the apiserver presents to kubelets (--kubelet-client-certificate
 * and --kubelet-client-key): dir/apiserver-kubelet-client.{crt,key}, the
 * user kube-apiserver-kubelet-client in system:masters, as kubeadm makes it.
 */
export function ensureApiserverKubeletClientCert(dir: string): ClientCert {
  return ensureClientCert(dir, 'apiserver-kubelet-client', {
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
  });
}

/** A kubelet's serving certificate signed by the cluster CA: dir/kubelet-{node}.{crt,key}. */
export function ensureKubeletServingCert(dir: string, nodeName: string, hosts: { dns?: string[]; ips?: string[] } = {}): ServingCert {
  const dns = [...new Set([nodeName, 'localhost', ...(hosts.dns ?? [])])];
  const ips = [...new Set(['127.0.0.1', ...(hosts.ips ?? [])])];
  return ensureServingCert(dir, `kubelet-${nodeName}`, { dns, ips });
}

/**
 * A self-signed serving certificate kept only in memory, as a kubelet makes
 * for itself when it is given none (its clients do not verify it).
 */
export function selfSignedServingCert(commonName: string, hosts: { dns: string[]; ips: string[] }): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-selfsigned-'));
  try {
    const san = [...hosts.dns.map((d) => `DNS:${d}`), ...hosts.ips.map((ip) => `IP:${ip}`)].join(',');
    writeFileSync(join(dir, 'ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'key.pem'], dir);
    openssl(
      ['req', '-x509', '-new', '-key', 'key.pem', '-sha256', '-days', '365', '-subj', `/CN=${commonName}`, '-extensions', 'v3', '-config', writeSelfSignedConfig(dir, san), '-out', 'cert.pem'],
      dir,
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeSelfSignedConfig(dir: string, san: string): string {
  const file = join(dir, 'openssl.cnf');
  writeFileSync(
    file,
    `[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n`,
  );
  return file;
}
