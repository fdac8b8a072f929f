// discovery.k8s.io/v1 EndpointSlice validation (k8s.io/kubernetes/pkg/apis/discovery/validation).
import { BlockList, isIP } from 'node:net';
import { isDNS1123Label, isDNS1123Subdomain } from '../../machinery/names.js';
import { validateImmutableField } from '../apps/field-checks.js';
import { fieldErrors, FieldPath, type FieldError, type FieldErrors } from '../validation/field.js';
import {
  isValidLabelValue,
  nameIsDNSSubdomain,
  validateDNS1123Label,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../validation/names.js';
import type { Endpoint, EndpointHints, EndpointPort, EndpointSlice } from './v1.js';

export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_ZONE_HINTS = 8;
const MAX_NODE_HINTS = 8;

const tooMany = (path: FieldPath, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field: path.toString(),
  badValue: actual,
  detail: `${actual}: must have at most ${max} items`,
});

function blockList(subnets: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const bl = new BlockList();
  for (const [net, prefix, family] of subnets) bl.addSubnet(net, prefix, family);
  return bl;
}

const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const LINK_LOCAL_UNICAST = blockList([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
// Go's IsLinkLocalMulticast: 224.0.0.0/24 and ffX2::/16 for any flags X.
const LINK_LOCAL_MULTICAST = blockList([
  ['224.0.0.0', 24, 'ipv4'],
  ...Array.from({ length: 16 }, (_, x): [string, number, 'ipv6'] => [`ff${x.toString(16)}2::`, 16, 'ipv6']),
]);

/** ValidateEndpointIP: addresses that make no sense as an endpoint. */
function validateEndpointIP(ip: string, path: FieldPath): FieldErrors {
  const family = isIP(ip);
  if (family === 0) return [fieldErrors.invalid(path, ip, 'must be a valid IP address')];
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const errs: FieldErrors = [];
  if (ip === '0.0.0.0' || (family === 6 && /^[0:]*$/.test(ip))) errs.push(fieldErrors.invalid(path, ip, `may not be unspecified (${ip})`));
  if (LOOPBACK.check(ip, type)) errs.push(fieldErrors.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (LINK_LOCAL_UNICAST.check(ip, type)) {
    errs.push(fieldErrors.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if (LINK_LOCAL_MULTICAST.check(ip, type)) {
    errs.push(fieldErrors.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** An IPv6 address that Go would read as IPv4 (IPv4-mapped). */
const isIPv4Mapped = (ip: string): boolean => /^::ffff:(\d+\.){3}\d+$/i.test(ip);

function validateAddress(address: string, addressType: string | undefined, path: FieldPath): FieldErrors {
  switch (addressType) {
    case 'IPv4':
      return [
        ...(isIP(address) === 4 ? [] : [fieldErrors.invalid(path, address, 'must be a valid IPv4 address')]),
        ...validateEndpointIP(address, path),
      ];
    case 'IPv6':
      return [
        ...(isIP(address) === 6 && !isIPv4Mapped(address) ? [] : [fieldErrors.invalid(path, address, 'must be a valid IPv6 address')]),
        ...validateEndpointIP(address, path),
      ];
    case 'FQDN':
      return validateFQDN(address, path);
    default:
      // Unknown types are reported once, at addressType.
      return [];
  }
}

/** validation.IsFullyQualifiedDomainName. */
function validateFQDN(value: string, path: FieldPath): FieldErrors {
  if (value.length === 0) return [fieldErrors.required(path, '')];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const subdomainErrs = isDNS1123Subdomain(name);
  if (subdomainErrs.length > 0) return [fieldErrors.invalid(path, name, subdomainErrs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [fieldErrors.invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [fieldErrors.invalid(path, label, errs.join(','))];
  }
  return [];
}

function validateHints(hints: EndpointHints, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const zones = hints.forZones ?? [];
  const zonesPath = path.child('forZones');
  if (zones.length > MAX_ZONE_HINTS) return [tooMany(zonesPath, zones.length, MAX_ZONE_HINTS)];
  const seenZones = new Set<string>();
  zones.forEach((zone, i) => {
    const p = zonesPath.index(i).child('name');
    if (seenZones.has(zone.name)) errs.push(fieldErrors.duplicate(p, zone.name));
    else seenZones.add(zone.name);
    for (const m of isValidLabelValue(zone.name)) errs.push(fieldErrors.invalid(p, zone.name, m));
  });
  const nodes = hints.forNodes ?? [];
  const nodesPath = path.child('forNodes');
  if (nodes.length > MAX_NODE_HINTS) return [...errs, tooMany(nodesPath, nodes.length, MAX_NODE_HINTS)];
  const seenNodes = new Set<string>();
  nodes.forEach((node, i) => {
    const p = nodesPath.index(i).child('name');
    if (seenNodes.has(node.name)) errs.push(fieldErrors.duplicate(p, node.name));
    else seenNodes.add(node.name);
    for (const m of nameIsDNSSubdomain(node.name, false)) errs.push(fieldErrors.invalid(p, node.name, m));
  });
  return errs;
}

function validateEndpoints(endpoints: Endpoint[], addressType: string | undefined, path: FieldPath): FieldErrors {
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany(path, endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldErrors = [];
  endpoints.forEach((ep, i) => {
    const p = path.index(i);
    const addressesPath = p.child('addresses');
    if (ep.addresses.length === 0) errs.push(fieldErrors.required(addressesPath, 'must contain at least 1 address'));
    else if (ep.addresses.length > MAX_ADDRESSES) errs.push(tooMany(addressesPath, ep.addresses.length, MAX_ADDRESSES));
    ep.addresses.forEach((a, j) => errs.push(...validateAddress(a, addressType, addressesPath.index(j))));
    if (ep.nodeName !== undefined) {
      for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(fieldErrors.invalid(p.child('nodeName'), ep.nodeName, m));
    }
    const topologyPath = p.child('deprecatedTopology');
    const topology = ep.deprecatedTopology ?? {};
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) {
      errs.push(tooMany(topologyPath, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    }
    errs.push(...validateLabels(topology, topologyPath));
    if (ep.hostname !== undefined) errs.push(...validateDNS1123Label(ep.hostname, p.child('hostname')));
    if (ep.hints) errs.push(...validateHints(ep.hints, p.child('hints')));
  });
  return errs;
}

function validatePorts(ports: EndpointPort[], path: FieldPath): FieldErrors {
  if (ports.length > MAX_PORTS) return [tooMany(path, ports.length, MAX_PORTS)];
  const errs: FieldErrors = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = path.index(i);
    const name = port.name ?? '';
    if (name.length > 0) errs.push(...validateDNS1123Label(name, p.child('name')));
    if (names.has(name)) errs.push(fieldErrors.duplicate(p.child('name'), name));
    else names.add(name);
    if (port.protocol === undefined) errs.push(fieldErrors.required(p.child('protocol'), ''));
    else if (!PORT_PROTOCOLS.includes(port.protocol)) errs.push(fieldErrors.notSupported(p.child('protocol'), port.protocol, PORT_PROTOCOLS));
    if (port.appProtocol !== undefined) errs.push(...validateQualifiedName(port.appProtocol, p.child('appProtocol')));
  });
  return errs;
}

export function validateEndpointSlice(slice: EndpointSlice, old?: EndpointSlice): FieldErrors {
  const errs = validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain, FieldPath.root('metadata'));
  if (old) errs.push(...validateObjectMetaUpdate(slice.metadata, old.metadata, FieldPath.root('metadata')));
  const typePath = FieldPath.root('addressType');
  if (!slice.addressType) errs.push(fieldErrors.required(typePath, ''));
  else if (!ADDRESS_TYPES.includes(slice.addressType)) errs.push(fieldErrors.notSupported(typePath, slice.addressType, ADDRESS_TYPES));
  errs.push(...validateEndpoints(slice.endpoints ?? [], slice.addressType, FieldPath.root('endpoints')));
  errs.push(...validatePorts(slice.ports ?? [], FieldPath.root('ports')));
  if (old) errs.push(...validateImmutableField(slice.addressType, old.addressType, typePath));
  return errs;
}
