// kubectl describe for Services (type, IPs, ports and the endpoints behind
// each), Endpoints and EndpointSlices.
import type { Endpoints, Event, Service } from '../../api/core/v1.js';
import type { EndpointSlice } from '../../api/discovery/v1.js';
import { formatLabels } from '../../printers/cells.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline, writeNameNamespace } from './multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, tabbedString } from './writer.js';

const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

const MAX_LISTED = 3;

/** A list that names the first few entries and counts the rest, kubectl's "a,b,c + 2 more...". */
class Capped {
  private readonly list: string[] = [];
  private more = false;
  private count = 0;

  add(entry: () => string): void {
    if (this.list.length === MAX_LISTED) this.more = true;
    if (!this.more) this.list.push(entry());
    this.count++;
  }

  toString(): string {
    const s = this.list.join(',');
    return this.more ? `${s} + ${this.count - MAX_LISTED} more...` : s;
  }
}

/** formatEndpointSlices: the ready endpoints serving the named port (every port when ports is undefined). */
export function formatEndpointSlices(slices: EndpointSlice[], ports: Set<string> | undefined): string {
  if (slices.length === 0) return '<none>';
  const out = new Capped();
  for (const slice of slices) {
    const endpoints = slice.endpoints ?? [];
    const isReady = (i: number): boolean => endpoints[i]!.conditions?.ready !== false;
    if (!slice.ports || slice.ports.length === 0) {
      endpoints.forEach((ep, i) => {
        if (isReady(i)) out.add(() => ep.addresses[0] ?? '');
      });
      continue;
    }
    for (const port of slice.ports) {
      if (ports && !ports.has(port.name ?? '')) continue;
      endpoints.forEach((ep, i) => {
        if (isReady(i)) out.add(() => joinHostPort(ep.addresses[0] ?? '', port.port ?? 0));
      });
    }
  }
  return out.toString();
}

/** formatEndpoints (kubectl before EndpointSlices): the addresses serving the named port. */
export function formatEndpoints(ep: Endpoints, ports: Set<string> | undefined): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const out = new Capped();
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      for (const a of addresses) out.add(() => a.ip);
      continue;
    }
    for (const port of ss.ports) {
      if (ports && !ports.has(port.name ?? '')) continue;
      for (const a of addresses) out.add(() => joinHostPort(a.ip, port.port));
    }
  }
  return out.toString();
}

/**
 * The endpoints of a service for the Endpoints line: from its EndpointSlices
 * as kubectl reads them, from its Endpoints object when no slice exists.
 */
function endpointsFor(slices: EndpointSlice[], endpoints: Endpoints | undefined, portName: string): string {
  if (slices.length === 0 && endpoints) return formatEndpoints(endpoints, new Set([portName]));
  return formatEndpointSlices(slices, new Set([portName]));
}

export function describeService(
  svc: Service,
  slices: EndpointSlice[],
  endpoints: Endpoints | undefined,
  events: Event[] | undefined,
  now: number,
): string {
  return tabbedString((w) => {
    const spec = svc.spec;
    writeNameNamespace(w, svc.metadata);
    printLabelsMultiline(w, 'Labels', svc.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(LEVEL_0, `Type:\t${spec.type ?? ''}\n`);
    if (spec.ipFamilyPolicy) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
    w.write(LEVEL_0, `IP Families:\t${spec.ipFamilies && spec.ipFamilies.length > 0 ? spec.ipFamilies.join(',') : '<none>'}\n`);
    w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ''}\n`);
    w.write(LEVEL_0, `IPs:\t${spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs.join(',') : '<none>'}\n`);
    if (spec.externalIPs && spec.externalIPs.length > 0) w.write(LEVEL_0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
    if (spec.loadBalancerIP) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
    if (spec.externalName) w.write(LEVEL_0, `External Name:\t${spec.externalName}\n`);
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (ingress.length > 0) {
      const list = ingress.map((i) => (i.ip ? `${i.ip}${i.ipMode ? ` (${i.ipMode})` : ''}` : (i.hostname ?? ''))).join(', ');
      w.write(LEVEL_0, `LoadBalancer Ingress:\t${list}\n`);
    }
    for (const sp of spec.ports ?? []) {
      const name = sp.name || '<unset>';
      const protocol = sp.protocol ?? '';
      w.write(LEVEL_0, `Port:\t${name}\t${sp.port}/${protocol}\n`);
      w.write(LEVEL_0, `TargetPort:\t${sp.targetPort ?? 0}/${protocol}\n`);
      if (sp.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${sp.nodePort}/${protocol}\n`);
      w.write(LEVEL_0, `Endpoints:\t${endpointsFor(slices, endpoints, sp.name ?? '')}\n`);
    }
    w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
    if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
    if (spec.internalTrafficPolicy) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
    if (spec.healthCheckNodePort) w.write(LEVEL_0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
    if (spec.loadBalancerSourceRanges && spec.loadBalancerSourceRanges.length > 0) {
      w.write(LEVEL_0, `LoadBalancer Source Ranges:\t${spec.loadBalancerSourceRanges.join(',')}\n`);
    }
    if (spec.trafficDistribution) w.write(LEVEL_0, `Traffic Distribution:\t${spec.trafficDistribution}\n`);
    if (events) describeEvents(w, events, now);
  });
}

export function describeEndpoints(ep: Endpoints, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    writeNameNamespace(w, ep.metadata);
    printLabelsMultiline(w, 'Labels', ep.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
    w.write(LEVEL_0, 'Subsets:\n');
    for (const ss of ep.subsets ?? []) {
      const ready = (ss.addresses ?? []).map((a) => a.ip).join(',');
      w.write(LEVEL_1, `Addresses:\t${ready || '<none>'}\n`);
      const notReady = (ss.notReadyAddresses ?? []).map((a) => a.ip).join(',');
      w.write(LEVEL_1, `NotReadyAddresses:\t${notReady || '<none>'}\n`);
      if (ss.ports && ss.ports.length > 0) {
        w.write(LEVEL_1, 'Ports:\n');
        w.write(LEVEL_2, 'Name\tPort\tProtocol\n');
        w.write(LEVEL_2, '----\t----\t--------\n');
        for (const p of ss.ports) w.write(LEVEL_2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? ''}\n`);
      }
      w.write(LEVEL_0, '\n');
    }
    if (events) describeEvents(w, events, now);
  });
}

export function describeEndpointSlice(eps: EndpointSlice, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    writeNameNamespace(w, eps.metadata);
    printLabelsMultiline(w, 'Labels', eps.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', eps.metadata.annotations);
    w.write(LEVEL_0, `AddressType:\t${eps.addressType ?? ''}\n`);
    const ports = eps.ports ?? [];
    if (ports.length === 0) {
      w.write(LEVEL_0, 'Ports: <unset>\n');
    } else {
      w.write(LEVEL_0, 'Ports:\n');
      w.write(LEVEL_1, 'Name\tPort\tProtocol\n');
      w.write(LEVEL_1, '----\t----\t--------\n');
      for (const p of ports) w.write(LEVEL_1, `${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? ''}\n`);
    }
    const endpoints = eps.endpoints ?? [];
    if (endpoints.length === 0) {
      w.write(LEVEL_0, 'Endpoints: <none>\n');
    } else {
      w.write(LEVEL_0, 'Endpoints:\n');
      for (const e of endpoints) {
        w.write(LEVEL_1, `- Addresses:\t${e.addresses.join(', ') || '<none>'}\n`);
        w.write(LEVEL_2, 'Conditions:\n');
        w.write(LEVEL_3, `Ready:\t${e.conditions?.ready === undefined ? '<unset>' : String(e.conditions.ready)}\n`);
        w.write(LEVEL_2, `Hostname:\t${e.hostname ?? '<unset>'}\n`);
        if (e.targetRef) w.write(LEVEL_2, `TargetRef:\t${e.targetRef.kind ?? ''}/${e.targetRef.name ?? ''}\n`);
        w.write(LEVEL_2, `NodeName:\t${e.nodeName ?? '<unset>'}\n`);
        w.write(LEVEL_2, `Zone:\t${e.zone ?? '<unset>'}\n`);
      }
    }
    if (events) describeEvents(w, events, now);
  });
}
