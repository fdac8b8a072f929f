// The proxy's integration suite, run once per mode (test/proxy-userspace and
// test/proxy-iptables): a real apiserver, Services and EndpointSlices written
// by the test, echo containers on the Docker bridge as endpoints, and two
// proxies on one host (node IPs 127.0.1.1, serving cluster IPs, and
// 127.0.1.2, node ports only), then cleaned up.
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from '../../test/harness/apiserver.js';
import { ensureTestImages, requireDocker } from '../../test/harness/docker.js';
import { nodePortsChain, ownedBy } from '../iptables/chain-names.js';
import { hasLocalRoute, localRouteUsers } from '../local-route.js';
import { cleanupProxy, startProxy, type ProxyMode, type RunningProxy } from '../main.js';
import {
  createService,
  dockerRunOnce,
  eventually,
  httpGet,
  putSlice,
  removeEchoContainers,
  startEchoContainers,
  type EchoContainer,
} from './echo-containers.js';
import { freePort } from './loopback-backends.js';

const SERVICE_CIDR = '10.96.0.0/12';

function iptablesSave(): string {
  return execFileSync('iptables-save', { encoding: 'utf8' });
}

const dockerLines = (save: string) =>
  save
    .split('\n')
    .filter((l) => l.includes('DOCKER') || l.includes('docker0'))
    .join('\n');

export function defineProxySuite(mode: ProxyMode): void {
  const label = `proxy-${mode}-${process.pid}`;
  const nodeA = `proxy-${mode}-a-${process.pid}`;
  const nodeB = `proxy-${mode}-b-${process.pid}`;
  const log = pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' });
  let s: TestApiServer;
  let pods: EchoContainer[] = [];
  let proxyA: RunningProxy | undefined;
  let proxyB: RunningProxy | undefined;
  let routeWasThere = false;
  let skiffChainsBefore = false;
  let dockerBefore = '';

  const pod = (name: string) => pods.find((p) => p.name === name)!;
  const stopAndClean = async (): Promise<void> => {
    await proxyB?.stop();
    await proxyA?.stop();
    proxyA = proxyB = undefined;
    await cleanupProxy({ nodeName: nodeB, clusterIPs: false, serviceCIDR: SERVICE_CIDR, log });
    await cleanupProxy({ nodeName: nodeA, clusterIPs: true, serviceCIDR: SERVICE_CIDR, log });
  };

  beforeAll(async () => {
    await requireDocker();
    await ensureTestImages();
    routeWasThere = await hasLocalRoute(SERVICE_CIDR);
    if (mode === 'iptables') {
      const save = iptablesSave();
      skiffChainsBefore = /^:SKIFF-/m.test(save);
      dockerBefore = dockerLines(save);
    }
    s = await startApiServer();
    pods = await startEchoContainers(['web-0', 'web-1', 'web-2', 'web-3'], label);
    const common = { client: s.client, mode, serviceCIDR: SERVICE_CIDR, healthzPort: 0, log };
    proxyA = await startProxy({ ...common, nodeName: nodeA, nodeIP: '127.0.1.1', clusterIPs: true, healthzPort: await freePort() });
    proxyB = await startProxy({ ...common, nodeName: nodeB, nodeIP: '127.0.1.2', clusterIPs: false });
  }, 120_000);

  afterAll(async () => {
    await stopAndClean().catch(() => undefined);
    await removeEchoContainers(label);
    await s?.stop();
  }, 60_000);

  describe(`proxy (${mode} mode)`, () => {
    let webIP = '';

    it('spreads requests to a cluster IP over every ready endpoint', async () => {
      expect(await hasLocalRoute(SERVICE_CIDR)).toBe(true);
      const web = await createService(s.client, { name: 'web' });
      webIP = web.spec.clusterIP;
      await putSlice(s.client, 'web', ['web-0', 'web-1', 'web-2'].map((n) => ({ ip: pod(n).ip, pod: n })));
      await eventually(() => httpGet(webIP, 80));
      const counts = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const who = await httpGet(webIP, 80);
        counts.set(who, (counts.get(who) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual(['web-0', 'web-1', 'web-2']);
      for (const n of counts.values()) expect(n).toBeGreaterThan(40);
    });

    it('is reached from a container on the bridge too', async () => {
      const run = await dockerRunOnce(['--label', `skiff.test=${label}`, 'skiff/busybox:latest', 'wget', '-qO-', `http://${webIP}/`]);
      expect(run.code, run.output).toBe(0);
      expect(['web-0', 'web-1', 'web-2']).toContain(run.output.trim());
    });

    it('stops sending new connections to an endpoint marked not ready within 2 s', async () => {
      await putSlice(s.client, 'web', [
        { ip: pod('web-0').ip, pod: 'web-0' },
        { ip: pod('web-1').ip, pod: 'web-1' },
        { ip: pod('web-2').ip, pod: 'web-2', ready: false },
      ]);
      const changed = Date.now();
      let lastFromWeb2 = changed;
      let clean = 0;
      while (clean < 30 && Date.now() - changed < 5000) {
        const sentAt = Date.now();
        if ((await httpGet(webIP, 80)) === 'web-2') {
          lastFromWeb2 = sentAt;
          clean = 0;
        } else {
          clean++;
        }
      }
      expect(clean).toBe(30);
      expect(lastFromWeb2 - changed).toBeLessThan(2000);
    });

    it('adds a backend when an endpoint is added', async () => {
      await putSlice(s.client, 'web', ['web-0', 'web-1', 'web-3'].map((n) => ({ ip: pod(n).ip, pod: n })));
      await eventually(async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 30; i++) seen.add(await httpGet(webIP, 80));
        expect([...seen].sort()).toEqual(['web-0', 'web-1', 'web-3']);
      }, 10_000);
    });

    it('keeps a client on one backend with ClientIP affinity', async () => {
      const sticky = await createService(s.client, { name: 'sticky', sessionAffinity: 'ClientIP' });
      await putSlice(s.client, 'sticky', ['web-0', 'web-1', 'web-2'].map((n) => ({ ip: pod(n).ip, pod: n })));
      await eventually(() => httpGet(sticky.spec.clusterIP, 80));
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await httpGet(sticky.spec.clusterIP, 80));
      expect(seen.size).toBe(1);
    });

    it('refuses at once a service without a ready endpoint', async () => {
      const empty = await createService(s.client, { name: 'empty' });
      await putSlice(s.client, 'empty', [{ ip: pod('web-0').ip, pod: 'web-0', ready: false }]);
      await proxyA!.settled();
      await eventually(async () => {
        const started = Date.now();
        await expect(httpGet(empty.spec.clusterIP, 80, '/', 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
        expect(Date.now() - started).toBeLessThan(500);
      }, 5000);
    });

    it('serves a node port on each proxy\'s own node IP', async () => {
      const np = await createService(s.client, { name: 'np', type: 'NodePort' });
      const nodePort = np.spec.ports[0]!.nodePort!;
      expect(nodePort).toBeGreaterThanOrEqual(30000);
      await putSlice(s.client, 'np', ['web-0', 'web-1'].map((n) => ({ ip: pod(n).ip, pod: n })));
      for (const ip of ['127.0.1.1', '127.0.1.2']) {
        const who = await eventually(() => httpGet(ip, nodePort));
        expect(['web-0', 'web-1']).toContain(who);
      }
      // and through the cluster IP, which only proxy A serves
      expect(['web-0', 'web-1']).toContain(await httpGet(np.spec.clusterIP, 80));
    });

    it('keeps serving node A when node B\'s proxy stops and is cleaned up', async () => {
      const np = await s.client.resource({ group: '', version: 'v1', plural: 'services', namespaced: true }).get('default', 'np');
      const nodePort = (np.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
      await proxyB!.stop();
      proxyB = undefined;
      await cleanupProxy({ nodeName: nodeB, clusterIPs: false, serviceCIDR: SERVICE_CIDR, log });
      if (mode === 'iptables') expect(iptablesSave()).not.toContain(nodePortsChain(nodeB));
      await expect(httpGet('127.0.1.2', nodePort, '/', 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(['web-0', 'web-1']).toContain(await httpGet('127.0.1.1', nodePort));
      expect(['web-0', 'web-1', 'web-3']).toContain(await httpGet(webIP, 80));
    });

    it('reports health and metrics on its healthz port', async () => {
      const base = proxyA!.healthAddress!;
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      if (mode === 'userspace') {
        expect(metrics).toMatch(/skiff_proxy_connections_total\{service="default\/web:http",protocol="TCP"\} [1-9]\d{2}/);
        expect(metrics).toMatch(/skiff_proxy_bytes_total\{service="default\/web:http",protocol="TCP",direction="out"\} [1-9]/);
      } else {
        expect(metrics).toMatch(/skiff_proxy_iptables_restores_total [1-9]/);
      }
      expect(metrics).toContain('skiff_proxy_sync_proxy_rules_duration_seconds_count');
    });

    it('leaves no Skiff chain and no route after --cleanup, and Docker\'s rules as they were', async () => {
      await stopAndClean();
      // another cluster on this host may hold the route too; then it stays for that one
      if (!routeWasThere && !localRouteUsers(SERVICE_CIDR).length) expect(await hasLocalRoute(SERVICE_CIDR)).toBe(false);
      if (mode === 'iptables') {
        const save = iptablesSave();
        if (!skiffChainsBefore) expect(save).not.toMatch(/SKIFF-/);
        const chains = save.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);
        expect(chains.filter((c) => ownedBy(nodeA, c) || ownedBy(nodeB, c))).toEqual([]);
        expect(save).not.toContain(`node ports of ${nodeA}`);
        expect(dockerLines(save)).toBe(dockerBefore);
      }
    });
  });
}
