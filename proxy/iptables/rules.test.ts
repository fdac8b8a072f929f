import { describe, expect, it } from 'vitest';
import type { EndpointInfo } from '../endpoints.js';
import { servicePortKey, type ServicePortInfo } from '../service-ports.js';
import { endpointChain, externalChain, firewallChain, nodePortsChain, postroutingChain, serviceChain, servicesChain } from './chain-names.js';
import { buildRules, type RulesInput } from './rules.js';

const port = (over: Partial<ServicePortInfo>): ServicePortInfo => ({
  name: 'default/web:http',
  namespace: 'default',
  service: 'web',
  portName: 'http',
  protocol: 'TCP',
  clusterIP: '10.96.0.20',
  port: 80,
  nodePort: undefined,
  affinitySeconds: undefined,
  policy: 'round-robin',
  ...over,
});
const ep = (ip: string, ready = true, p = 8080): EndpointInfo => ({ ip, port: p, ready, serving: ready, terminating: false });

function input(ports: ServicePortInfo[], eps: Record<string, EndpointInfo[]>, over: Partial<RulesInput> = {}): RulesInput {
  const endpoints = new Map<string, EndpointInfo[]>();
  for (const sp of ports) endpoints.set(servicePortKey(sp), eps[sp.name] ?? []);
  return { node: 'node-1', nodeIP: '10.0.0.1', clusterIPs: true, ports, endpoints, ...over };
}

const N = 'node-1';
const svc = serviceChain(N, 'default/web:http', 'TCP');
const sep = (e: string) => endpointChain(N, 'default/web:http', 'TCP', e);
const np = nodePortsChain(N);
const post = postroutingChain(N);
const S = servicesChain(N);

describe('chain names', () => {
  it('fit iptables\' 28-character limit and differ per node', () => {
    for (const c of [S, svc, sep('172.17.0.2:8080'), externalChain(N, 'x/y', 'UDP'), np, post, firewallChain(N)]) {
      expect(c.length).toBeLessThanOrEqual(28);
    }
    expect(svc).toMatch(/^SKIFF-SVC-[A-Z2-7]{16}$/);
    expect(svc.slice(10, 16)).toBe(np.slice(16, 22));
    expect(S).toBe(`SKIFF-SERVICES-${np.slice(16)}`);
    expect(serviceChain('node-2', 'default/web:http', 'TCP')).not.toBe(svc);
    expect(serviceChain(N, 'default/web:http', 'UDP')).not.toBe(svc);
    expect(nodePortsChain('node-2')).not.toBe(np);
  });
});

describe('buildRules', () => {
  it('spreads a cluster IP over the ready endpoints with kube-proxy\'s statistic rules', () => {
    const r = buildRules(input([port({})], { 'default/web:http': [ep('172.17.0.2'), ep('172.17.0.3', false), ep('172.17.0.4'), ep('172.17.0.5')] }));
    const a = sep('172.17.0.2:8080');
    const b = sep('172.17.0.4:8080');
    const c = sep('172.17.0.5:8080');
    expect(r.nat.chains).toEqual([S, np, post, ...[svc, a, b, c].sort()]);
    expect(r.nat.rules).toEqual([
      `-A ${S} -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j ${svc}`,
      `-A ${post} -m mark ! --mark 0x4000/0x4000 -j RETURN`,
      `-A ${post} -j MARK --xor-mark 0x4000`,
      `-A ${post} -m comment --comment "skiff service traffic requiring SNAT" -j MASQUERADE --random-fully`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.3333333333 -j ${a}`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.4:8080" -m statistic --mode random --probability 0.5000000000 -j ${b}`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.5:8080" -j ${c}`,
      `-A ${a} -m comment --comment "default/web:http" -s 172.17.0.2 -j MARK --or-mark 0x4000`,
      `-A ${a} -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 172.17.0.2:8080`,
      `-A ${b} -m comment --comment "default/web:http" -s 172.17.0.4 -j MARK --or-mark 0x4000`,
      `-A ${b} -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 172.17.0.4:8080`,
      `-A ${c} -m comment --comment "default/web:http" -s 172.17.0.5 -j MARK --or-mark 0x4000`,
      `-A ${c} -m comment --comment "default/web:http" -m tcp -p tcp -j DNAT --to-destination 172.17.0.5:8080`,
    ]);
    expect(r.filter.rules).toEqual([]);
    expect(r.localnet).toBe(false);
  });

  it('rejects a service port without a ready endpoint in the filter table, and writes no nat chain for it', () => {
    const dns = port({ name: 'default/dns:dns', service: 'dns', portName: 'dns', protocol: 'UDP', clusterIP: '10.96.0.53', port: 53, nodePort: 30053 });
    const r = buildRules(input([dns], { 'default/dns:dns': [ep('172.17.0.9', false)] }));
    expect(r.filter.rules).toEqual([
      `-A ${S} -m comment --comment "default/dns:dns has no endpoints" -m udp -p udp -d 10.96.0.53 --dport 53 -j REJECT`,
      `-A ${np} -m comment --comment "default/dns:dns has no endpoints" -m udp -p udp --dport 30053 -j REJECT`,
    ]);
    expect(r.nat.chains).toEqual([S, np, post]);
  });

  it('sends node ports through a masquerading EXT chain to the service chain', () => {
    const r = buildRules(input([port({ nodePort: 30080 })], { 'default/web:http': [ep('172.17.0.2')] }));
    const ext = externalChain(N, 'default/web:http', 'TCP');
    expect(r.nat.rules).toContain(`-A ${np} -m comment --comment "default/web:http" -m tcp -p tcp --dport 30080 -j ${ext}`);
    expect(r.nat.rules).toContain(`-A ${ext} -m comment --comment "masquerade traffic for default/web:http external destinations" -j MARK --or-mark 0x4000`);
    expect(r.nat.rules).toContain(`-A ${ext} -j ${svc}`);
    // the only endpoint: no statistic match
    expect(r.nat.rules).toContain(`-A ${svc} -m comment --comment "default/web:http -> 172.17.0.2:8080" -j ${sep('172.17.0.2:8080')}`);
  });

  it('keeps ClientIP affinity with -m recent, checked before the spread and set on DNAT', () => {
    const r = buildRules(input([port({ affinitySeconds: 300 })], { 'default/web:http': [ep('172.17.0.2'), ep('172.17.0.3')] }));
    const a = sep('172.17.0.2:8080');
    const b = sep('172.17.0.3:8080');
    const svcRules = r.nat.rules.filter((l) => l.startsWith(`-A ${svc} `));
    expect(svcRules).toEqual([
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.2:8080" -m recent --name ${a} --rcheck --seconds 300 --reap -j ${a}`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.3:8080" -m recent --name ${b} --rcheck --seconds 300 --reap -j ${b}`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.2:8080" -m statistic --mode random --probability 0.5000000000 -j ${a}`,
      `-A ${svc} -m comment --comment "default/web:http -> 172.17.0.3:8080" -j ${b}`,
    ]);
    expect(r.nat.rules).toContain(`-A ${a} -m comment --comment "default/web:http" -m recent --name ${a} --set -m tcp -p tcp -j DNAT --to-destination 172.17.0.2:8080`);
  });

  it('writes only node-port chains, under its own names, when it does not serve cluster IPs', () => {
    const r = buildRules(input([port({ nodePort: 30080 })], { 'default/web:http': [ep('172.17.0.2')] }, { clusterIPs: false, nodeIP: '127.0.1.2', node: 'node-2' }));
    expect(r.nat.chains.some((c) => c.startsWith('SKIFF-SERVICES-'))).toBe(false);
    expect(r.filter.chains.some((c) => c.startsWith('SKIFF-SERVICES-'))).toBe(false);
    expect(r.nat.rules.some((l) => l.includes('-d 10.96.0.20'))).toBe(false);
    expect(r.nat.chains.every((c) => !c.includes(nodePortsChain('node-1').slice(16, 22)))).toBe(true);
    expect(r.nat.jumps.map((j) => j.rule)).toEqual([
      `-A PREROUTING -d 127.0.1.2/32 -m comment --comment "skiff node ports of node-2" -j ${nodePortsChain('node-2')}`,
      `-A OUTPUT -d 127.0.1.2/32 -m comment --comment "skiff node ports of node-2" -j ${nodePortsChain('node-2')}`,
      `-A POSTROUTING -m comment --comment "skiff postrouting of node-2" -j ${postroutingChain('node-2')}`,
    ]);
  });

  it('guards localnet when node ports on a loopback node IP lead to endpoints', () => {
    const r = buildRules(input([port({ nodePort: 30080 })], { 'default/web:http': [ep('172.17.0.2')] }, { nodeIP: '127.0.1.1' }));
    expect(r.localnet).toBe(true);
    const fw = firewallChain(N);
    expect(r.filter.rules).toContain(
      `-A ${fw} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
    expect(r.filter.jumps.map((j) => j.rule)).toContain(`-A INPUT -m comment --comment "skiff localnet firewall of node-1" -j ${fw}`);
    const noEndpoints = buildRules(input([port({ nodePort: 30080 })], {}, { nodeIP: '127.0.1.1' }));
    expect(noEndpoints.localnet).toBe(false);
    expect(noEndpoints.filter.chains).not.toContain(fw);
  });

  it('jumps into the host-wide chains from the built-in chains, rejecting only new connections', () => {
    const r = buildRules(input([], {}));
    expect(r.nat.jumps.map((j) => j.rule).slice(0, 2)).toEqual([
      `-A PREROUTING -m comment --comment "skiff service portals of node-1" -j ${S}`,
      `-A OUTPUT -m comment --comment "skiff service portals of node-1" -j ${S}`,
    ]);
    expect(r.filter.jumps.map((j) => j.rule)).toEqual([
      `-A INPUT -m conntrack --ctstate NEW -m comment --comment "skiff service portals of node-1" -j ${S}`,
      `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "skiff service portals of node-1" -j ${S}`,
      `-A INPUT -d 10.0.0.1/32 -m conntrack --ctstate NEW -m comment --comment "skiff node ports of node-1" -j ${np}`,
      `-A OUTPUT -d 10.0.0.1/32 -m conntrack --ctstate NEW -m comment --comment "skiff node ports of node-1" -j ${np}`,
    ]);
  });
});
