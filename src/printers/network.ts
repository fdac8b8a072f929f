// Columns for services and the endpoints behind them (Endpoints and EndpointSlices).
import { age } from './duration.js';
import { ageColumn, arr, col, formatLabels, int, listWithMore, nameColumn, rec, str, strs, type Rec } from './cells.js';
import type { Printer } from './columns.js';

/** The load balancer's ingress points, de-duplicated and sorted as Kubernetes' string sets are. */
function loadBalancerIngress(status: Rec): string[] {
  const points = new Set<string>();
  for (const ing of arr(rec(status.loadBalancer).ingress)) {
    if (str(ing.ip)) points.add(str(ing.ip));
    else if (str(ing.hostname)) points.add(str(ing.hostname));
  }
  return [...points].sort();
}

// The server always prints the wide form, so load balancer addresses are never clipped.
function externalIP(spec: Rec, status: Rec): string {
  const externalIPs = strs(spec.externalIPs);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(status);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP", or "80:30080/TCP" when a node port is allocated. */
function portString(ports: unknown): string {
  return arr(ports)
    .map((p) => {
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${str(p.protocol)}` : `${int(p.port)}/${str(p.protocol)}`;
    })
    .join(',');
}

export const services: Printer = {
  columns: [
    nameColumn,
    col(
      'Type',
      'string',
      'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
    ),
    col(
      'Cluster-IP',
      'string',
      'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    ),
    col(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
    ),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies'),
    ageColumn,
    col(
      'Selector',
      'string',
      'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
      1,
    ),
  ],
  row(svc, now) {
    const spec = rec(svc.spec);
    const status = rec(svc.status);
    // The legacy clusterIP field wins over clusterIPs[0], as the API's conversion makes it.
    const clusterIP = str(spec.clusterIP) || strs(spec.clusterIPs)[0] || '<none>';
    return [
      svc.metadata.name,
      str(spec.type),
      clusterIP,
      externalIP(spec, status),
      portString(spec.ports) || '<none>',
      age(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * formatEndpoints: up to three ready address:port pairs, then how many more.
 * The count of what was left out follows Kubernetes' arithmetic exactly,
 * including its habit of counting every address once per port.
 */
function formatEndpoints(subsets: unknown): string {
  const sets = arr(subsets);
  if (sets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of sets) {
    const addresses = arr(ss.addresses);
    const ports = arr(ss.ports);
    if (ports.length === 0) {
      // A headless service may have no ports at all.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a.ip), int(port.port)));
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpoints: Printer = {
  columns: [
    nameColumn,
    col(
      'Endpoints',
      'string',
      'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
    ),
    ageColumn,
  ],
  row: (ep, now) => [ep.metadata.name, formatEndpoints(ep.subsets), age(ep.metadata.creationTimestamp, now)],
};

function slicePorts(ports: unknown): string {
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const p of arr(ports)) {
    if (list.length < max) {
      // A port without a number means "all ports".
      list.push(typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*');
    }
    count++;
  }
  return listWithMore(list, count > max, count, max);
}

function sliceEndpoints(eps: unknown): string {
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ep of arr(eps)) {
    for (const address of strs(ep.addresses)) {
      if (list.length < max) list.push(address);
      count++;
    }
  }
  return listWithMore(list, count > max, count, max);
}

export const endpointslices: Printer = {
  columns: [
    nameColumn,
    col(
      'AddressType',
      'string',
      'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
    ),
    col(
      'Ports',
      'string',
      'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
    ),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
    ageColumn,
  ],
  row: (s, now) => [s.metadata.name, str(s.addressType), slicePorts(s.ports), sliceEndpoints(s.endpoints), age(s.metadata.creationTimestamp, now)],
};
