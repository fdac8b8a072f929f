// A pod's resolver configuration and /etc/hosts entries, as the kubelet's DNS
// configurer (pkg/kubelet/network/dns) and hosts-file writer compute them.
import { readFileSync } from 'node:fs';
import type { Pod } from '../src/api/core/v1.js';
import type { DnsConfig } from './runtime/interface.js';

/** Event reason when a ClusterFirst pod meets a kubelet without cluster DNS servers. */
export const MISSING_CLUSTER_DNS_REASON = 'MissingClusterDNS';
export const MISSING_CLUSTER_DNS_MESSAGE =
  'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';

const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
const DEFAULT_OPTIONS = ['ndots:5'];
// validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars, and a DNS-1123 subdomain's length.
const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_SEARCH_LENGTH = 253;

export interface DnsOptions {
  clusterDNS: string[];
  clusterDomain: string;
  /** the node's resolver file (kubelet --resolv-conf); "" means none, as Kubernetes: nameserver 127.0.0.1, search "." */
  hostResolvConf?: string;
}

type PodDnsType = 'none' | 'cluster' | 'host';

function podDnsType(pod: Pod): PodDnsType {
  switch (pod.spec.dnsPolicy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    default:
      // ClusterFirst (and anything unknown, which validation rejects): a
      // host-network pod cannot reach cluster DNS through its own namespace.
      return pod.spec.hostNetwork ? 'host' : 'cluster';
  }
}

/** Whether the kubelet should record MISSING_CLUSTER_DNS_REASON for this pod. */
export function missingClusterDns(pod: Pod, opts: Pick<DnsOptions, 'clusterDNS'>): boolean {
  return podDnsType(pod) === 'cluster' && opts.clusterDNS.length === 0;
}

/** parseResolvConf: nameservers accumulate; the last search line and each option name's last value win. */
export function parseResolvConf(text: string): DnsConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields.length >= 2) servers.push(fields[1]!);
    if (fields[0] === 'search') searches = fields.slice(1).filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') {
      for (const opt of fields.slice(1)) options.set(opt.split(':')[0]!, opt);
    }
  }
  return { servers, searches, options: [...options.values()] };
}

function hostDnsConfig(path: string): DnsConfig {
  if (path === '') return { servers: [], searches: [], options: [] };
  return parseResolvConf(readFileSync(path, 'utf8'));
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** mergeDNSOptions: pod options replace the base's options of the same name. */
function mergeOptions(base: string[], podOptions: { name?: string; value?: string }[]): string[] {
  const merged = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(':');
    merged.set(i < 0 ? op : op.slice(0, i), i < 0 ? '' : op.slice(i + 1));
  }
  for (const op of podOptions) merged.set(op.name ?? '', op.value ?? '');
  return [...merged].map(([name, value]) => (value === '' ? name : `${name}:${value}`));
}

/** formDNSSearchFitsLimits: drop overlong domains, then cut from the end to fit glibc's limits. */
function fitSearches(searches: string[]): string[] {
  let out = searches.slice(0, MAX_SEARCH_PATHS).filter((s) => s.length <= MAX_SEARCH_LENGTH);
  while (out.length > 0 && out.join(' ').length > MAX_SEARCH_CHARS) out = out.slice(0, -1);
  return out;
}

/**
 * The resolv.conf for the pod's sandbox. Undefined when the pod simply uses
 * the node's own resolver file unchanged (dnsPolicy Default, or ClusterFirst
 * with host networking or without cluster DNS, and no pod dnsConfig): the
 * runtime's default is that file already. Throws when the node's resolver
 * file cannot be read, as Kubernetes fails the sandbox then.
 */
export function podDnsConfig(pod: Pod, opts: DnsOptions): DnsConfig | undefined {
  let type = podDnsType(pod);
  if (type === 'cluster' && opts.clusterDNS.length === 0) type = 'host';
  if (type === 'host' && opts.hostResolvConf === undefined && !pod.spec.dnsConfig) return undefined;

  const resolvConf = opts.hostResolvConf ?? DEFAULT_RESOLV_CONF;
  let config: DnsConfig;
  if (type === 'none') {
    config = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    const host = hostDnsConfig(resolvConf);
    const domain = opts.clusterDomain;
    const ns = pod.metadata.namespace ?? 'default';
    config = {
      servers: [...opts.clusterDNS],
      searches: domain === '' ? host.searches : unique([`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches]),
      options: [...DEFAULT_OPTIONS],
    };
  } else {
    config = hostDnsConfig(resolvConf);
    if (resolvConf === '') config = { servers: ['127.0.0.1'], searches: ['.'], options: [] };
  }

  const podConfig = pod.spec.dnsConfig;
  if (podConfig) {
    config = {
      servers: unique([...config.servers, ...(podConfig.nameservers ?? [])]),
      searches: unique([...config.searches, ...(podConfig.searches ?? [])]),
      options: mergeOptions(config.options, podConfig.options ?? []),
    };
  }
  return { servers: config.servers.slice(0, MAX_NAMESERVERS), searches: fitSearches(config.searches), options: config.options };
}

/** GeneratePodHostNameAndDomain: spec.hostname or the pod name, at most 63 characters, no trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  const name = pod.spec.hostname || pod.metadata.name || '';
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * The /etc/hosts entries beyond localhost: the pod's own name (with its
 * `<hostname>.<subdomain>.<ns>.svc.<domain>` FQDN when it has a subdomain),
 * then spec.hostAliases. A host-network pod shares the node's hosts file, so
 * only its aliases are added.
 */
export function podHostAliases(pod: Pod, podIP: string, clusterDomain = 'cluster.local'): { ip: string; hostnames: string[] }[] {
  const entries: { ip: string; hostnames: string[] }[] = [];
  if (!pod.spec.hostNetwork && podIP) {
    const hostname = podHostname(pod);
    const subdomain = pod.spec.subdomain;
    const ns = pod.metadata.namespace ?? 'default';
    entries.push({ ip: podIP, hostnames: subdomain ? [`${hostname}.${subdomain}.${ns}.svc.${clusterDomain}`, hostname] : [hostname] });
  }
  for (const alias of pod.spec.hostAliases ?? []) {
    if (alias.hostnames && alias.hostnames.length > 0) entries.push({ ip: alias.ip, hostnames: [...alias.hostnames] });
  }
  return entries;
}
