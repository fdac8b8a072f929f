// Names of the chains a proxy writes: kube-proxy's layout with a SKIFF prefix,
// every name carrying the proxy's node. Several proxies share one host (one per
// node under `skiff up`, and several clusters side by side), so each proxy
// owns exactly the chains that carry its node's tag, and never reads, flushes
// or deletes another's.
import { createHash } from 'node:crypto';

/** the packet mark meaning "masquerade this on the way out" (kube-proxy's 0x4000) */
export const masqueradeMark = '0x4000';

const base32 = (buf: Buffer): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
};

const hash = (text: string, n: number): string => base32(createHash('sha256').update(text).digest()).slice(0, n);

/** the 8 characters that name a node's top-level chains; the first 6 also mark its per-service chains */
export function nodeTag(node: string): string {
  return hash(node, 8);
}

/** the cluster IP chain of the proxy that serves cluster IPs (kube-proxy's KUBE-SERVICES) */
export function servicesChain(node: string): string {
  return `SKIFF-SERVICES-${nodeTag(node)}`;
}

export function nodePortsChain(node: string): string {
  return `SKIFF-NODEPORTS-${nodeTag(node)}`;
}

export function postroutingChain(node: string): string {
  return `SKIFF-POSTROUTING-${nodeTag(node)}`;
}

export function firewallChain(node: string): string {
  return `SKIFF-FIREWALL-${nodeTag(node)}`;
}

/** per-service chains: kind, the node's 6-character tag, then 10 characters of kube-proxy's hash input */
const perService = (kind: 'SVC' | 'EXT' | 'SEP', node: string, input: string): string => `SKIFF-${kind}-${nodeTag(node).slice(0, 6)}${hash(`${node}/${input}`, 10)}`;

/** kube-proxy's servicePortChainName */
export function serviceChain(node: string, servicePortName: string, protocol: string): string {
  return perService('SVC', node, `${servicePortName}${protocol.toLowerCase()}`);
}

/** the chain marking node-port traffic for masquerade before the service chain */
export function externalChain(node: string, servicePortName: string, protocol: string): string {
  return perService('EXT', node, `${servicePortName}${protocol.toLowerCase()}`);
}

export function endpointChain(node: string, servicePortName: string, protocol: string, endpoint: string): string {
  return perService('SEP', node, `${servicePortName}${protocol.toLowerCase()}${endpoint}`);
}

/** Whether a chain belongs to this node's proxy. */
export function ownedBy(node: string, chain: string): boolean {
  const tag = nodeTag(node);
  if (chain === servicesChain(node) || chain === nodePortsChain(node) || chain === postroutingChain(node) || chain === firewallChain(node)) return true;
  const m = /^SKIFF-(SVC|SEP|EXT)-([A-Z2-7]{6})[A-Z2-7]{10}$/.exec(chain);
  return m !== null && m[2] === tag.slice(0, 6);
}
