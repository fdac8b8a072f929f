// The cluster zone as CoreDNS's kubernetes plugin serves it, from the
// informers' caches:
//   SVC.NS.svc.ZONE              A: the cluster IP; headless: ready endpoint IPs;
//                                ExternalName: a CNAME; SRV: one per named port
//   _PORT._PROTO.SVC.NS.svc.ZONE SRV for a named port (targets the service, or
//                                each endpoint of a headless service)
//   HOST.SVC.NS.svc.ZONE         A: the endpoint with that hostname (StatefulSet
//                                pods) or dashed address
//   A-B-C-D.NS.pod.ZONE          A: that address ("pods insecure")
//   D.C.B.A.in-addr.arpa         PTR for cluster IPs and endpoint addresses
// Names that exist without records of the asked type answer NOERROR with no
// answer (a resolver asking AAAA must not conclude the name is gone); unknown
// names in the zone answer NXDOMAIN; negative answers carry the zone's SOA.
import type { Answer, RecordType } from 'dns-packet';
import { ipFromReverseName, isIPv4 } from '../cidr.js';
import { endpointsFor, readyEndpoints, type EndpointInfo } from '../endpoints.js';
import type { ServiceObject } from '../service-ports.js';
import type { ServiceSources } from '../sources.js';

export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ClusterZoneOptions {
  /** default cluster.local */
  domain?: string;
  /** default 5 s, as CoreDNS's kubernetes plugin */
  ttl?: number;
}

const dashed = (ip: string): string => ip.replaceAll('.', '-');

export class ClusterZone {
  readonly domain: string;
  private readonly ttl: number;
  private readonly serial = Math.floor(Date.now() / 1000);

  constructor(
    private readonly sources: ServiceSources,
    opts: ClusterZoneOptions = {},
  ) {
    this.domain = (opts.domain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.ttl = opts.ttl ?? 5;
  }

  /** The answer for a name in the cluster zone (or a reverse name of a known address); undefined for any other name. */
  answer(name: string, type: RecordType | string): ZoneAnswer | undefined {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower.endsWith('.in-addr.arpa')) return this.reverse(name, lower, type);
    let rel: string[];
    if (lower === this.domain) rel = [];
    else if (lower.endsWith(`.${this.domain}`)) rel = lower.slice(0, -(this.domain.length + 1)).split('.');
    else return undefined;

    if (rel.length === 0) {
      if (type === 'SOA') return this.ok([this.soa()]);
      if (type === 'NS') return this.ok([{ type: 'NS', name, ttl: this.ttl, data: `ns.dns.${this.domain}` }]);
      return this.nodata();
    }
    const kind = rel[rel.length - 1];
    if (kind === 'svc') return this.serviceName(name, rel.slice(0, -1), type);
    if (kind === 'pod') return this.podName(name, rel.slice(0, -1), type);
    return this.nxdomain();
  }

  private serviceName(name: string, rel: string[], type: string): ZoneAnswer {
    if (rel.length === 0) return this.nodata();
    const ns = rel[rel.length - 1]!;
    if (rel.length === 1) return this.sources.services.byIndex('namespace', ns).length ? this.nodata() : this.nxdomain();
    const svc = this.sources.service(ns, rel[rel.length - 2]!);
    if (!svc) return this.nxdomain();
    if (rel.length === 2) return this.serviceRecords(name, svc, type);
    if (rel.length === 3) return this.endpointRecords(name, svc, rel[0]!, type);
    if (rel.length === 4 && rel[0]!.startsWith('_') && rel[1]!.startsWith('_')) return this.portRecords(name, svc, rel[0]!.slice(1), rel[1]!.slice(1), type);
    return this.nxdomain();
  }

  private serviceRecords(name: string, svc: ServiceObject, type: string): ZoneAnswer {
    if (svc.spec.type === 'ExternalName' && svc.spec.externalName) {
      return this.ok([{ type: 'CNAME', name, ttl: this.ttl, data: svc.spec.externalName.replace(/\.$/, '') }]);
    }
    if (type === 'A' || type === 'ANY') return this.ok(this.addressesOf(svc).map((ip) => this.a(name, ip)));
    if (type === 'SRV') {
      const records = (svc.spec.ports ?? []).filter((p) => p.name).flatMap((p) => this.srvFor(svc, p.name!, p.protocol ?? 'TCP', name));
      return this.withAdditionals(name, records);
    }
    return this.nodata();
  }

  private endpointRecords(name: string, svc: ServiceObject, label: string, type: string): ZoneAnswer {
    const ep = this.endpointsOf(svc).find((e) => (e.hostname ?? '').toLowerCase() === label || dashed(e.ip) === label);
    if (!ep) return this.nxdomain();
    if (type === 'A' || type === 'ANY') return this.ok([this.a(name, ep.ip)]);
    return this.nodata();
  }

  private portRecords(name: string, svc: ServiceObject, portName: string, proto: string, type: string): ZoneAnswer {
    const port = (svc.spec.ports ?? []).find((p) => (p.name ?? '').toLowerCase() === portName && (p.protocol ?? 'TCP').toLowerCase() === proto);
    if (!port) return this.nxdomain();
    if (type === 'SRV') return this.withAdditionals(name, this.srvFor(svc, port.name!, port.protocol ?? 'TCP', name));
    if (type === 'A' || type === 'ANY') return this.ok(this.addressesOf(svc).map((ip) => this.a(name, ip)));
    return this.nodata();
  }

  private podName(name: string, rel: string[], type: string): ZoneAnswer {
    if (rel.length <= 1) return this.nodata();
    if (rel.length !== 2) return this.nxdomain();
    const ip = rel[0]!.replaceAll('-', '.');
    if (!isIPv4(ip)) return this.nxdomain();
    if (type === 'A' || type === 'ANY') return this.ok([this.a(name, ip)]);
    return this.nodata();
  }

  private reverse(name: string, lower: string, type: string): ZoneAnswer | undefined {
    const ip = ipFromReverseName(lower);
    if (!ip) return undefined;
    const targets = new Set<string>();
    for (const svc of this.sources.servicesByClusterIP(ip)) targets.add(this.serviceFqdn(svc));
    if (!targets.size) {
      for (const slice of this.sources.slicesByAddress(ip)) {
        const svcName = slice.metadata.labels?.['kubernetes.io/service-name'];
        const svc = svcName ? this.sources.service(slice.metadata.namespace ?? '', svcName) : undefined;
        if (!svc) continue;
        const ep = (slice.endpoints ?? []).find((e) => e.addresses[0] === ip);
        if (ep) targets.add(`${ep.hostname ?? dashed(ip)}.${this.serviceFqdn(svc)}`);
      }
    }
    if (!targets.size) return undefined;
    if (type !== 'PTR' && type !== 'ANY') return this.nodata();
    return this.ok([...targets].sort().map((t) => ({ type: 'PTR', name, ttl: this.ttl, data: t }) as Answer));
  }

  /** A records of a service: its cluster IP, or for a headless service its ready endpoints. */
  private addressesOf(svc: ServiceObject): string[] {
    const ip = svc.spec.clusterIP;
    if (ip && ip !== 'None') return isIPv4(ip) ? [ip] : [];
    return [...new Set(this.endpointsOf(svc).map((e) => e.ip))];
  }

  /** The ready endpoints of every slice of the service, whatever port they list. */
  private endpointsOf(svc: ServiceObject): EndpointInfo[] {
    const slices = this.sources.slicesOf(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    const byIP = new Map<string, EndpointInfo>();
    for (const slice of slices) {
      if (slice.addressType !== undefined && slice.addressType !== 'IPv4') continue;
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!ip || ep.conditions?.ready === false || byIP.has(ip)) continue;
        byIP.set(ip, { ip, port: 0, ready: true, serving: true, terminating: false, ...(ep.hostname ? { hostname: ep.hostname } : {}) });
      }
    }
    return [...byIP.values()];
  }

  private srvFor(svc: ServiceObject, portName: string, protocol: string, name: string): Answer[] {
    const fqdn = this.serviceFqdn(svc);
    const port = (svc.spec.ports ?? []).find((p) => p.name === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) return [];
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') {
      return [{ type: 'SRV', name, ttl: this.ttl, data: { priority: 0, weight: 100, port: port.port, target: fqdn } }];
    }
    const slices = this.sources.slicesOf(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    const eps = readyEndpoints(endpointsFor({ portName, protocol: protocol as 'TCP' }, slices));
    const weight = eps.length ? Math.max(1, Math.round(100 / eps.length)) : 100;
    return eps.map((e) => ({
      type: 'SRV',
      name,
      ttl: this.ttl,
      data: { priority: 0, weight, port: e.port, target: `${e.hostname ?? dashed(e.ip)}.${fqdn}` },
    }));
  }

  /** SRV answers plus the A records of their targets in the additional section. */
  private withAdditionals(name: string, srvs: Answer[]): ZoneAnswer {
    if (!srvs.length) return this.nodata();
    const additionals: Answer[] = [];
    const seen = new Set<string>();
    for (const srv of srvs) {
      if (srv.type !== 'SRV') continue;
      const target = srv.data.target;
      if (seen.has(target)) continue;
      seen.add(target);
      const found = this.answer(target, 'A');
      if (found) additionals.push(...found.answers);
    }
    return { rcode: 'NOERROR', answers: srvs, authorities: [], additionals };
  }

  private serviceFqdn(svc: ServiceObject): string {
    return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.domain}`;
  }

  private a(name: string, ip: string): Answer {
    return { type: 'A', name, ttl: this.ttl, data: ip };
  }

  private soa(): Answer {
    return {
      type: 'SOA',
      name: this.domain,
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private ok(answers: Answer[]): ZoneAnswer {
    if (!answers.length) return this.nodata();
    return { rcode: 'NOERROR', answers, authorities: [], additionals: [] };
  }

  private nodata(): ZoneAnswer {
    return { rcode: 'NOERROR', answers: [], authorities: [this.soa()], additionals: [] };
  }

  private nxdomain(): ZoneAnswer {
    return { rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()], additionals: [] };
  }
}
