// A cluster's certificates: a CA, and serving certificates it signs, made
// with the openssl command (Node can parse X.509 but not issue it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
