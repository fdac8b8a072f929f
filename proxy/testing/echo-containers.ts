// Backends for proxy integration tests and benchmarks: containers of the
// locally built echo image (GET / answers with POD_NAME, GET /delay?ms=N
// sleeps first) started with plain `docker run` on the default bridge, and
// the Service and EndpointSlice objects that point at them.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import type { KubeObject } from '../../src/api/meta.js';
import type { RestClient } from '../../src/client/index.js';
import { cidrContains, parseCidr } from '../cidr.js';
import { defaultServiceCIDR, hasLocalRoute } from '../local-route.js';
import { endpointSlicesRef, servicesRef } from '../sources.js';

export const ECHO_IMAGE = 'skiff/echo:latest';
const DOCKER = '/usr/bin/docker';

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

export interface EchoContainer {
  name: string;
  id: string;
  ip: string;
}

/**
 * Starts one echo container per name, labelled so that removeEchoContainers(label) finds them;
 * cpus limits each to that fraction of a CPU (a slowed backend).
 */
export async function startEchoContainers(names: string[], label: string, opts: { cpus?: number } = {}): Promise<EchoContainer[]> {
  return Promise.all(
    names.map(async (name) => {
      const limit = opts.cpus !== undefined ? ['--cpus', String(opts.cpus)] : [];
      const id = await docker(['run', '-d', ...limit, '--label', `skiff.test=${label}`, '-e', `POD_NAME=${name}`, ECHO_IMAGE]);
      const ip = await docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]);
      if (!ip) throw new Error(`container ${name} has no bridge address`);
      await waitHttp(ip, 8080);
      return { name, id, ip };
    }),
  );
}

export async function removeEchoContainers(label: string): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.test=${label}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids]);
}

/** Runs a container to completion and hands back its output (it is removed afterwards). */
export async function dockerRunOnce(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(DOCKER, ['run', '--rm', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const serviceRange = parseCidr(defaultServiceCIDR);
let routeSeenAt = -Infinity;

/**
 * Throws unless the service range is local to this host. Without the local
 * route a packet to a cluster IP follows the default route off the machine,
 * so nothing is sent to one before this check passes (a positive answer is
 * trusted for 250 ms).
 */
export async function assertServiceRangeLocal(host: string): Promise<void> {
  if (!cidrContains(serviceRange, host)) return;
  if (Date.now() - routeSeenAt < 250) return;
  if (!(await hasLocalRoute(serviceRange.text))) {
    throw new Error(`not sending to ${host}: ${serviceRange.text} is not local to this host, the packets would leave the machine`);
  }
  routeSeenAt = Date.now();
}

/** GET over a connection of its own (so a proxy balances each request); rejects with the socket error. */
export async function httpGet(host: string, port: number, path = '/', timeoutMs = 3000): Promise<string> {
  await assertServiceRangeLocal(host);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString().trim();
        if (res.statusCode === 200) resolve(body);
        else reject(Object.assign(new Error(`${host}:${port}${path} answered ${res.statusCode}`), { code: `HTTP${res.statusCode}` }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** Waits until a GET answers with one of the given pod names (any other answer is not the service). */
export async function waitForPods(host: string, port: number, names: readonly string[], timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    const who = await httpGet(host, port, '/', 2000);
    if (!names.includes(who)) throw new Error(`${host}:${port} answered "${who}", not one of ${names.join(', ')}`);
  }, timeoutMs, 100);
}

async function waitHttp(ip: string, port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await httpGet(ip, port, '/healthz', 1000);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ServiceInput {
  name: string;
  namespace?: string;
  type?: 'ClusterIP' | 'NodePort';
  clusterIP?: string;
  ports?: { name: string; port: number; targetPort?: number; protocol?: string }[];
  sessionAffinity?: 'ClientIP';
  annotations?: Record<string, string>;
}

export async function createService(client: RestClient, s: ServiceInput): Promise<KubeObject & { spec: { clusterIP: string; ports: { port: number; nodePort?: number }[] } }> {
  const obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace ?? 'default', ...(s.annotations ? { annotations: s.annotations } : {}) },
    spec: {
      type: s.type ?? 'ClusterIP',
      ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}),
      ports: (s.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })),
      ...(s.sessionAffinity ? { sessionAffinity: s.sessionAffinity } : {}),
    },
  } as KubeObject;
  return (await client.resource(servicesRef).create(s.namespace ?? 'default', obj)) as KubeObject & {
    spec: { clusterIP: string; ports: { port: number; nodePort?: number }[] };
  };
}

export interface SliceEndpoint {
  ip: string;
  ready?: boolean;
  hostname?: string;
  pod?: string;
}

/** Creates or replaces the EndpointSlice `<service>-test` of a service. */
export async function putSlice(
  client: RestClient,
  service: string,
  endpoints: SliceEndpoint[],
  ports: { name: string; port: number; protocol?: string }[] = [{ name: 'http', port: 8080 }],
  namespace = 'default',
): Promise<void> {
  const res = client.resource(endpointSlicesRef);
  const name = `${service}-test`;
  const body = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
    })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
  let existing: KubeObject | undefined;
  try {
    existing = await res.get(namespace, name);
  } catch {
    existing = undefined;
  }
  if (existing) await res.update(namespace, { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } } as KubeObject);
  else await res.create(namespace, body as KubeObject);
}

/** Retries fn until it stops throwing or the deadline passes. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}
