// The iptables proxier against real iptables-restore and iptables-save, in a
// network namespace of the test's own (the host's tables are not touched):
// rules written once and not again while nothing changes, stale chains
// removed, missing jumps put back, two nodes' proxies side by side, and a
// cleanup that removes one proxy's chains and nothing else.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointInfo } from '../proxy/endpoints.js';
import { nodePortsChain, serviceChain, servicesChain } from '../proxy/iptables/chain-names.js';
import { detectIptables, iptablesRunner, type IptablesRunner } from '../proxy/iptables/iptables-exec.js';
import { RouteLocalnet } from '../proxy/iptables/localnet.js';
import { cleanupIptables, IptablesProxier } from '../proxy/iptables/proxier.js';
import { ProxyMetrics } from '../proxy/metrics.js';
import { servicePortKey, type ServicePortInfo } from '../proxy/service-ports.js';
import type { ServiceState } from '../proxy/sources.js';

const netns = `skiff-test-${process.pid}`;
const isRoot = process.getuid?.() === 0;
let runner: IptablesRunner;
let dir: string;

const foreignNat = `*nat
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
*filter
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A DOCKER-USER -j RETURN
COMMIT
`;

beforeAll(async () => {
  if (!isRoot) return;
  execFileSync('ip', ['netns', 'add', netns]);
  execFileSync('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
  const tools = await detectIptables();
  if (!tools) throw new Error('iptables is not installed');
  runner = iptablesRunner(tools, ['ip', 'netns', 'exec', netns]);
  await runner.restore(foreignNat);
  dir = mkdtempSync(join(tmpdir(), 'skiff-localnet-'));
});

afterAll(() => {
  if (!isRoot) return;
  execFileSync('ip', ['netns', 'del', netns]);
  rmSync(dir, { recursive: true, force: true });
});

const log = pino({ level: 'silent' });

function sp(name: string, over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    name,
    namespace: 'default',
    service: name.split('/')[1]!,
    portName: '',
    protocol: 'TCP',
    clusterIP: '10.96.0.20',
    port: 80,
    nodePort: undefined,
    affinitySeconds: undefined,
    policy: 'round-robin',
    ...over,
  };
}
const ep = (ip: string, ready = true): EndpointInfo => ({ ip, port: 8080, ready, serving: ready, terminating: false });
const state = (entries: [ServicePortInfo, EndpointInfo[]][]): ServiceState => ({
  ports: entries.map(([p]) => p),
  endpoints: new Map(entries.map(([p, e]) => [servicePortKey(p), e])),
});

async function save(table: string): Promise<string> {
  return runner.save(table);
}
const chainsOf = (text: string) => text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);

describe.skipIf(!isRoot)('iptables proxier in a network namespace', () => {
  const sysctlRoot = () => join(dir, 'conf');
  const localnet = () => {
    mkdirSync(join(sysctlRoot(), 'docker0'), { recursive: true });
    return new RouteLocalnet({ stateFile: join(dir, 'state.json'), sysctlRoot: sysctlRoot(), routeDevice: async () => 'docker0' });
  };

  it('writes the rules once, and only again when they change', async () => {
    const metrics = new ProxyMetrics();
    const p = new IptablesProxier({ node: 'n1', nodeIP: '10.0.0.1', clusterIPs: true, runner, metrics, log });
    const web = sp('default/web');
    await p.sync(state([[web, [ep('172.17.0.2'), ep('172.17.0.3')]]]));
    const nat = await save('nat');
    expect(nat).toContain(`-A PREROUTING -m comment --comment "skiff service portals of n1" -j ${servicesChain('n1')}`);
    expect(nat).toContain(`-A OUTPUT -m comment --comment "skiff service portals of n1" -j ${servicesChain('n1')}`);
    expect(nat).toContain(`-j ${serviceChain('n1', 'default/web', 'TCP')}`);
    expect(nat).toContain('--to-destination 172.17.0.3:8080');
    // Skiff's jumps come first, so that Docker's port mappings never capture a cluster IP
    expect(nat.indexOf('-A OUTPUT -m comment --comment "skiff service portals of n1"')).toBeLessThan(nat.indexOf('-A OUTPUT ! -d 127.0.0.0/8'));
    await p.sync(state([[web, [ep('172.17.0.2'), ep('172.17.0.3')]]]));
    expect((await metrics.iptablesRestores.get()).values[0]!.value).toBe(1);

    // an endpoint goes: its chain goes with it
    await p.sync(state([[web, [ep('172.17.0.2'), ep('172.17.0.3', false)]]]));
    const after = await save('nat');
    expect(after).not.toContain('172.17.0.3');
    expect(chainsOf(after).filter((c) => c.startsWith('SKIFF-SEP-'))).toHaveLength(1);
    // no ready endpoint: REJECT in the filter table, no nat chain
    await p.sync(state([[web, []]]));
    expect(await save('filter')).toContain(
      `-A ${servicesChain('n1')} -d 10.96.0.20/32 -p tcp -m comment --comment "default/web has no endpoints" -m tcp --dport 80 -j REJECT`,
    );
    expect(chainsOf(await save('nat')).filter((c) => c.startsWith('SKIFF-SVC-'))).toEqual([]);
    expect((await metrics.iptablesRestores.get()).values[0]!.value).toBe(3);
  });

  it('puts back a jump removed behind its back at the next check', async () => {
    const metrics = new ProxyMetrics();
    let now = 0;
    const p = new IptablesProxier({ node: 'n1', nodeIP: '10.0.0.1', clusterIPs: true, runner, metrics, log, now: () => now, verifyPeriodMs: 1000 });
    const s = state([[sp('default/web'), [ep('172.17.0.2')]]]);
    await p.sync(s);
    const jump = `-A OUTPUT -m comment --comment "skiff service portals of n1" -j ${servicesChain('n1')}`;
    execFileSync('ip', ['netns', 'exec', netns, 'iptables', '-t', 'nat', '-D', 'OUTPUT', '-m', 'comment', '--comment', 'skiff service portals of n1', '-j', servicesChain('n1')]);
    await p.sync(s);
    expect(await save('nat')).not.toContain(jump);
    now += 1000;
    await p.sync(s);
    expect(await save('nat')).toContain(jump);
    const restores = (await metrics.iptablesRestores.get()).values[0]!.value;
    now += 1000;
    await p.sync(s);
    expect((await metrics.iptablesRestores.get()).values[0]!.value).toBe(restores);
  });

  it('lets two nodes\' proxies share the host, and cleans up one without touching the other or Docker', async () => {
    const lnet = localnet();
    writeFileSync(join(sysctlRoot(), 'docker0', 'route_localnet'), '0\n');
    const metrics = new ProxyMetrics();
    const web = sp('default/web', { nodePort: 30080 });
    const eps: EndpointInfo[] = [ep('172.17.0.2')];
    const p1 = new IptablesProxier({ node: 'n1', nodeIP: '127.0.1.1', clusterIPs: true, runner, metrics, log, localnet: lnet });
    const p2 = new IptablesProxier({ node: 'n2', nodeIP: '127.0.1.2', clusterIPs: false, runner, metrics, log, localnet: lnet });
    await p1.sync(state([[web, eps]]));
    await p2.sync(state([[web, eps]]));
    await p1.sync(state([[web, [...eps, ep('172.17.0.4')]]]));
    const nat = await save('nat');
    expect(nat).toContain(`-A OUTPUT -d 127.0.1.1/32 -m comment --comment "skiff node ports of n1" -j ${nodePortsChain('n1')}`);
    expect(nat).toContain(`-A OUTPUT -d 127.0.1.2/32 -m comment --comment "skiff node ports of n2" -j ${nodePortsChain('n2')}`);
    // n1's later sync left n2's chains as they were
    expect(chainsOf(nat)).toContain(serviceChain('n2', 'default/web', 'TCP'));
    expect(readFileSync(join(sysctlRoot(), 'docker0', 'route_localnet'), 'utf8').trim()).toBe('1');

    const r2 = await cleanupIptables({ node: 'n2', runner });
    expect(r2.nodePortChainsLeft).toBe(true);
    const afterN2 = (await save('nat')) + (await save('filter'));
    expect(afterN2).not.toContain('n2');
    expect(chainsOf(afterN2).some((c) => c.includes(nodePortsChain('n2')))).toBe(false);
    expect(afterN2).toContain(nodePortsChain('n1'));
    expect(afterN2).toContain(servicesChain('n1'));

    const r1 = await cleanupIptables({ node: 'n1', runner });
    expect(r1.nodePortChainsLeft).toBe(false);
    expect(lnet.restoreAll()).toEqual(['docker0']);
    expect(readFileSync(join(sysctlRoot(), 'docker0', 'route_localnet'), 'utf8').trim()).toBe('0');
    const nat2 = await save('nat');
    const filter2 = await save('filter');
    expect((nat2 + filter2).includes('SKIFF')).toBe(false);
    // Docker's chains and jumps are all still there
    for (const line of foreignNat.split('\n').filter((l) => l.startsWith('-A') && !l.includes('DOCKER-USER'))) expect(nat2).toContain(line);
    expect(filter2).toContain('-A FORWARD -j DOCKER-USER');
    expect(filter2).toContain('-A DOCKER-USER -j RETURN');
  });
});
