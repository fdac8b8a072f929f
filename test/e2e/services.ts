// Reaching Services the way a user on the cluster's machine does: HTTP to a
// ClusterIP or to a node's NodePort, and names through the cluster DNS.
// Nothing is sent to a service address unless the kernel keeps it on this
// machine (the proxy's local route for the service range): a cluster without
// its proxy makes these steps fail with that reason instead of sending test
// traffic out of the machine.
import { Resolver } from 'node:dns/promises';
import { eventually, httpGet, routedLocally, type E2ECluster } from './cluster.js';
import type { Service } from './objects.js';

export const SERVICE_CIDR = '10.96.0.0/12';
export const CLUSTER_DNS_IP = '10.96.0.10';

export async function clusterIP(cluster: E2ECluster, name: string, namespace = 'default'): Promise<string> {
  const svc = await cluster.json<Service>('get', 'service', name, '-n', namespace);
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None') throw new Error(`service ${namespace}/${name} has no cluster IP`);
  return ip;
}

/** waits (briefly) for the proxy's local route; throws saying why no traffic was sent when it is missing */
export async function requireLocal(ip: string): Promise<void> {
  try {
    await eventually(() => routedLocally(ip), 15_000, `a local route for ${ip}`);
  } catch {
    throw new Error(
      `${ip} is not routed locally on this machine: no proxy of the cluster has made the service range ${SERVICE_CIDR} local, so no request was sent (the proxy keeps \`ip route add local ${SERVICE_CIDR} dev lo\`)`,
    );
  }
}

/** the bodies of `count` GETs, each on a fresh connection, once the first one succeeds */
export async function answers(url: string, count: number): Promise<string[]> {
  const first = await eventually(() => httpGet(url), 30_000, `an answer from ${url}`);
  const bodies = [first.trim()];
  for (let i = 1; i < count; i++) bodies.push((await httpGet(url)).trim());
  return bodies;
}

/** A-record lookup against the cluster DNS from this machine */
export async function lookupInClusterDNS(name: string): Promise<string[]> {
  await requireLocal(CLUSTER_DNS_IP);
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([CLUSTER_DNS_IP]);
  return resolver.resolve4(name);
}
