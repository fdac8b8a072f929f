// The iptables rules of one proxy, as a pure function of the services and
// endpoints it serves: kube-proxy's nat layout (a service chain per service
// port spreading new connections over endpoint chains with `-m statistic`,
// ClientIP affinity with `-m recent`, DNAT in the endpoint chain, a mark for
// what must be masqueraded), REJECT rules in the filter table for service
// ports without a ready endpoint, and the jumps from the built-in chains.
import { isLoopback } from '../cidr.js';
import { endpointKey, readyEndpoints, type EndpointInfo } from '../endpoints.js';
import { servicePortKey, type ServicePortInfo } from '../service-ports.js';
import {
  endpointChain,
  externalChain,
  firewallChain,
  masqueradeMark,
  nodePortsChain,
  postroutingChain,
  serviceChain,
  servicesChain,
} from './chain-names.js';

export interface RulesInput {
  /** the node this proxy serves; names its chains */
  node: string;
  /** node ports are served on this address */
  nodeIP: string;
  /** whether this proxy writes the host-wide cluster IP rules */
  clusterIPs: boolean;
  ports: readonly ServicePortInfo[];
  /** by servicePortKey */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
}

/** A jump from a built-in chain into one of the proxy's top-level chains, written as iptables-save prints it. */
export interface JumpRule {
  chain: string;
  target: string;
  /** the whole "-A CHAIN ..." line */
  rule: string;
}

export interface TableRules {
  /** every chain the proxy owns in this table, top-level ones first */
  chains: string[];
  /** "-A ..." lines of those chains */
  rules: string[];
  jumps: JumpRule[];
}

export interface ProxyRules {
  nat: TableRules;
  filter: TableRules;
  /**
   * Node ports on a loopback node IP lead to endpoints: the interfaces toward
   * those endpoints need route_localnet, and the filter table carries
   * kube-proxy's guard against martian localhost packets.
   */
  localnet: boolean;
}

const q = (s: string): string => `"${s}"`;
const mark = `-j MARK --or-mark ${masqueradeMark}`;

export function buildRules(input: RulesInput): ProxyRules {
  const { node, nodeIP, clusterIPs } = input;
  const svcs = servicesChain(node);
  const np = nodePortsChain(node);
  const post = postroutingChain(node);
  const fw = firewallChain(node);
  const natChains = new Set<string>([...(clusterIPs ? [svcs] : []), np, post]);
  const filterChains = new Set<string>([...(clusterIPs ? [svcs] : []), np]);
  const natServices: string[] = [];
  const natNodePorts: string[] = [];
  const natPerService: string[] = [];
  const filterServices: string[] = [];
  const filterNodePorts: string[] = [];
  let localnet = false;

  for (const sp of input.ports) {
    const proto = sp.protocol.toLowerCase();
    const match = `-m ${proto} -p ${proto}`;
    const ready = readyEndpoints(input.endpoints.get(servicePortKey(sp)) ?? []);
    const servesClusterIP = clusterIPs && sp.clusterIP !== undefined;
    if (!servesClusterIP && sp.nodePort === undefined) continue;
    const clusterDest = `-d ${sp.clusterIP} --dport ${sp.port}`;

    if (!ready.length) {
      const reject = `-m comment --comment ${q(`${sp.name} has no endpoints`)} ${match}`;
      if (servesClusterIP) filterServices.push(`-A ${svcs} ${reject} ${clusterDest} -j REJECT`);
      if (sp.nodePort !== undefined) filterNodePorts.push(`-A ${np} ${reject} --dport ${sp.nodePort} -j REJECT`);
      continue;
    }

    const svc = serviceChain(node, sp.name, sp.protocol);
    natChains.add(svc);
    if (servesClusterIP) {
      // no masquerade: a connection from the host keeps the cluster IP as its source and its answers come
      // back through conntrack; one from a pod keeps the pod's address (checked on this host)
      natServices.push(`-A ${svcs} -m comment --comment ${q(`${sp.name} cluster IP`)} ${match} ${clusterDest} -j ${svc}`);
    }
    if (sp.nodePort !== undefined) {
      const ext = externalChain(node, sp.name, sp.protocol);
      natChains.add(ext);
      natNodePorts.push(`-A ${np} -m comment --comment ${q(sp.name)} ${match} --dport ${sp.nodePort} -j ${ext}`);
      natPerService.push(`-A ${ext} -m comment --comment ${q(`masquerade traffic for ${sp.name} external destinations`)} ${mark}`);
      natPerService.push(`-A ${ext} -j ${svc}`);
      // a node port on a 127.x node IP reaches a pod only with route_localnet on the way out and a masquerade
      if (isLoopback(nodeIP)) localnet = true;
    }
    const seps = ready.map((ep) => ({ ep, chain: endpointChain(node, sp.name, sp.protocol, endpointKey(ep)) }));
    if (sp.affinitySeconds !== undefined) {
      for (const { ep, chain } of seps) {
        natPerService.push(
          `-A ${svc} -m comment --comment ${q(`${sp.name} -> ${endpointKey(ep)}`)} -m recent --name ${chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${chain}`,
        );
      }
    }
    seps.forEach(({ ep, chain }, i) => {
      const left = seps.length - i;
      const spread = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
      natPerService.push(`-A ${svc} -m comment --comment ${q(`${sp.name} -> ${endpointKey(ep)}`)}${spread} -j ${chain}`);
    });
    for (const { ep, chain } of seps) {
      natChains.add(chain);
      const comment = `-m comment --comment ${q(sp.name)}`;
      const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${chain} --set` : '';
      natPerService.push(`-A ${chain} ${comment} -s ${ep.ip} ${mark}`);
      natPerService.push(`-A ${chain} ${comment}${recent} ${match} -j DNAT --to-destination ${endpointKey(ep)}`);
    }
  }

  const natRules = [
    ...natServices,
    ...natNodePorts,
    `-A ${post} -m mark ! --mark ${masqueradeMark}/${masqueradeMark} -j RETURN`,
    `-A ${post} -j MARK --xor-mark ${masqueradeMark}`,
    `-A ${post} -m comment --comment ${q('skiff service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
    ...natPerService,
  ];
  const filterRules = [...filterServices, ...filterNodePorts];
  if (localnet) {
    filterChains.add(fw);
    filterRules.push(
      `-A ${fw} -m comment --comment ${q('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
  }

  const jump = (chain: string, target: string, spec: string): JumpRule => ({ chain, target, rule: `-A ${chain} ${spec}-j ${target}` });
  const portals = `-m comment --comment ${q(`skiff service portals of ${node}`)} `;
  const nodeDest = `-d ${nodeIP}/32 `;
  const nodeComment = `-m comment --comment ${q(`skiff node ports of ${node}`)} `;
  const newConn = '-m conntrack --ctstate NEW ';
  const natJumps: JumpRule[] = [
    ...(clusterIPs ? [jump('PREROUTING', svcs, portals), jump('OUTPUT', svcs, portals)] : []),
    jump('PREROUTING', np, nodeDest + nodeComment),
    jump('OUTPUT', np, nodeDest + nodeComment),
    jump('POSTROUTING', post, `-m comment --comment ${q(`skiff postrouting of ${node}`)} `),
  ];
  const filterJumps: JumpRule[] = [
    ...(clusterIPs ? [jump('INPUT', svcs, newConn + portals), jump('OUTPUT', svcs, newConn + portals)] : []),
    jump('INPUT', np, nodeDest + newConn + nodeComment),
    jump('OUTPUT', np, nodeDest + newConn + nodeComment),
    ...(localnet ? [jump('INPUT', fw, `-m comment --comment ${q(`skiff localnet firewall of ${node}`)} `)] : []),
  ];

  return {
    nat: { chains: sortChains(natChains), rules: natRules, jumps: natJumps },
    filter: { chains: sortChains(filterChains), rules: filterRules, jumps: filterJumps },
    localnet,
  };
}

/** top-level chains in the order they were added, then the per-service ones sorted */
function sortChains(chains: Set<string>): string[] {
  const all = [...chains];
  const top = all.filter((c) => !/^SKIFF-(SVC|SEP|EXT)-/.test(c));
  const rest = all.filter((c) => /^SKIFF-(SVC|SEP|EXT)-/.test(c)).sort();
  return [...top, ...rest];
}
