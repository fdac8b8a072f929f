// Service and Endpoints validation after k8s.io/kubernetes/pkg/apis/core/validation,
// with the nodePort range check the service registry adds on allocation.
import { isIP } from 'node:net';
import { fieldErrors, FieldPath, type FieldErrors } from '../validation/field.js';
import {
  isValidCIDR,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateIP,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../validation/names.js';
import { SUPPORTED_PORT_PROTOCOLS } from './field-checks.js';
import type { EndpointAddress, EndpointPort, Endpoints, IntOrString, Service, ServicePort } from './v1.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITY_TYPES = ['ClientIP', 'None'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const KUBELET_PORT = 10250;

/** The apiserver's default --service-node-port-range. */
export const NODE_PORT_RANGE = { base: 30000, size: 2768 } as const;

const metadataPath = FieldPath.root('metadata');
const specPath = FieldPath.root('spec');

const isHeadless = (svc: Service): boolean => svc.spec.clusterIPs?.length === 1 && svc.spec.clusterIPs[0] === 'None';

const externallyAccessible = (svc: Service): boolean =>
  svc.spec.type === 'LoadBalancer' ||
  svc.spec.type === 'NodePort' ||
  (svc.spec.type === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);

function portNumOrName(port: IntOrString | undefined, path: FieldPath): FieldErrors {
  const p = port ?? 0;
  const msgs = typeof p === 'number' ? isValidPortNum(p) : isValidPortName(p);
  return msgs.map((m) => fieldErrors.invalid(path, p, m));
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (requireName && !sp.name) {
    errs.push(fieldErrors.required(path.child('name'), ''));
  } else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, path.child('name')));
    if (names.has(sp.name)) errs.push(fieldErrors.duplicate(path.child('name'), sp.name));
    else names.add(sp.name);
  }
  errs.push(...isValidPortNum(sp.port).map((m) => fieldErrors.invalid(path.child('port'), sp.port, m)));
  if (!sp.protocol) errs.push(fieldErrors.required(path.child('protocol'), ''));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(sp.protocol)) {
    errs.push(fieldErrors.notSupported(path.child('protocol'), sp.protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  errs.push(...portNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol !== undefined) errs.push(...validateQualifiedName(sp.appProtocol, path.child('appProtocol')));
  return errs;
}

function validateClusterIPs(svc: Service): FieldErrors {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  const errs: FieldErrors = [];
  const ipsPath = specPath.child('clusterIPs');
  const familiesPath = specPath.child('ipFamilies');
  const clusterIPs = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (clusterIPs.length === 0) errs.push(fieldErrors.required(ipsPath, ''));
    else if (clusterIPs[0] !== spec.clusterIP) errs.push(fieldErrors.invalid(ipsPath, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length > 0) {
    errs.push(fieldErrors.invalid(ipsPath, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const families = spec.ipFamilies ?? [];
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(fieldErrors.notSupported(familiesPath.index(i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(fieldErrors.duplicate(familiesPath.index(i), f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fieldErrors.notSupported(specPath.child('ipFamilyPolicy'), spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let invalidIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) errs.push(fieldErrors.invalid(ipsPath, clusterIPs, "'None' must be the first and only value"));
      return;
    }
    const e = validateIP(ip, ipsPath.index(i));
    if (e.length > 0) invalidIPs = true;
    errs.push(...e);
  });
  if (clusterIPs.length > 2) errs.push(fieldErrors.invalid(ipsPath, clusterIPs, 'may only hold up to 2 values'));
  if (families.length > 2) errs.push(fieldErrors.invalid(familiesPath, families, 'may only hold up to 2 values'));
  if (!invalidIPs && !isHeadless(svc)) {
    clusterIPs.forEach((ip, i) => {
      const expected = families[i];
      if (!expected) return;
      const actual = isIP(ip) === 6 ? 'IPv6' : 'IPv4';
      if (actual !== expected) {
        errs.push(
          fieldErrors.invalid(ipsPath.index(i), ip, `expected an ${expected} value as indicated by \`ipFamilies[${i}]\``),
        );
      }
    });
    if (clusterIPs.length === 2 && isIP(clusterIPs[0]!) === isIP(clusterIPs[1]!)) {
      errs.push(fieldErrors.invalid(ipsPath, clusterIPs, 'may specify no more than one IP for each IP family, i.e 192.168.0.1, 2000::1'));
    }
  }
  const singleStack = spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === 'SingleStack';
  if (singleStack && clusterIPs.length > 1) {
    errs.push(
      fieldErrors.invalid(ipsPath, clusterIPs, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IPs are specified"),
    );
  }
  if (singleStack && families.length > 1) {
    errs.push(
      fieldErrors.invalid(familiesPath, families, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"),
    );
  }
  return errs;
}

function validateServiceSpec(svc: Service): FieldErrors {
  const spec = svc.spec;
  const errs: FieldErrors = [];
  const ports = spec.ports ?? [];
  const portsPath = specPath.child('ports');
  const headless = isHeadless(svc);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fieldErrors.required(portsPath, ''));
  switch (spec.type) {
    case 'LoadBalancer':
      if (headless) {
        errs.push(fieldErrors.invalid(specPath.child('clusterIPs').index(0), 'None', "may not be set to 'None' for LoadBalancer services"));
      }
      ports.forEach((p, i) => {
        if (p.port === KUBELET_PORT) {
          errs.push(
            fieldErrors.invalid(portsPath.index(i), p.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`),
          );
        }
      });
      break;
    case 'NodePort':
      if (headless) {
        errs.push(fieldErrors.invalid(specPath.child('clusterIPs').index(0), 'None', "may not be set to 'None' for NodePort services"));
      }
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs?.length ?? 0) > 0) errs.push(fieldErrors.forbidden(specPath.child('clusterIPs'), 'may not be set for ExternalName services'));
      if ((spec.ipFamilies?.length ?? 0) > 0) errs.push(fieldErrors.forbidden(specPath.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined) {
        errs.push(fieldErrors.forbidden(specPath.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      }
      // A trailing dot marks the CNAME as fully qualified.
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...validateDNS1123Subdomain(cname, specPath.child('externalName')));
      else errs.push(fieldErrors.required(specPath.child('externalName'), ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, portsPath.index(i))));
  if (spec.selector) errs.push(...validateLabels(spec.selector, specPath.child('selector')));

  if (!spec.sessionAffinity) errs.push(fieldErrors.required(specPath.child('sessionAffinity'), ''));
  else if (!SESSION_AFFINITY_TYPES.includes(spec.sessionAffinity)) {
    errs.push(fieldErrors.notSupported(specPath.child('sessionAffinity'), spec.sessionAffinity, SESSION_AFFINITY_TYPES));
  }
  const cfgPath = specPath.child('sessionAffinityConfig');
  if (spec.sessionAffinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    const cfg = spec.sessionAffinityConfig;
    if (!cfg) errs.push(fieldErrors.required(cfgPath, when));
    else if (!cfg.clientIP) errs.push(fieldErrors.required(cfgPath.child('clientIP'), when));
    else if (cfg.clientIP.timeoutSeconds === undefined) errs.push(fieldErrors.required(cfgPath.child('clientIP').child('timeoutSeconds'), when));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
        errs.push(
          fieldErrors.invalid(cfgPath.child('clientIP').child('timeoutSeconds'), t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`),
        );
      }
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(fieldErrors.forbidden(cfgPath, 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPs(svc));

  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = specPath.child('externalIPs').index(i);
    const e = validateIP(ip, p);
    errs.push(...(e.length > 0 ? e : validateNonSpecialIP(ip, p)));
  });

  if (!spec.type) errs.push(fieldErrors.required(specPath.child('type'), ''));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(fieldErrors.notSupported(specPath.child('type'), spec.type, SERVICE_TYPES));

  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(fieldErrors.forbidden(portsPath.index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    const { base, size } = NODE_PORT_RANGE;
    ports.forEach((p, i) => {
      if (p.nodePort && (p.nodePort < base || p.nodePort >= base + size)) {
        errs.push(
          fieldErrors.invalid(
            portsPath.index(i).child('nodePort'),
            p.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${base}-${base + size - 1}`,
          ),
        );
      }
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol ?? ''}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(fieldErrors.duplicate(portsPath.index(i).child('nodePort'), p.nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol ?? ''}/${p.port}`;
    if (portKeys.has(key)) errs.push(fieldErrors.duplicate(portsPath.index(i), { protocol: p.protocol ?? '', port: p.port }));
    portKeys.add(key);
  });

  const ranges = spec.loadBalancerSourceRanges ?? [];
  if (ranges.length > 0) {
    const p = specPath.child('LoadBalancerSourceRanges');
    if (spec.type !== 'LoadBalancer') {
      errs.push(fieldErrors.forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    }
    for (const r of ranges) {
      if (!isValidCIDR(r.trim())) {
        errs.push(fieldErrors.invalid(p, r, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
      }
    }
  }

  const etpPath = specPath.child('externalTrafficPolicy');
  if (!externallyAccessible(svc)) {
    if (spec.externalTrafficPolicy) {
      errs.push(fieldErrors.invalid(etpPath, spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    }
  } else if (!spec.externalTrafficPolicy) {
    errs.push(fieldErrors.required(etpPath, ''));
  } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(fieldErrors.notSupported(etpPath, spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  const hc = spec.healthCheckNodePort;
  if (!needsHealthCheck && hc) {
    errs.push(
      fieldErrors.invalid(
        specPath.child('healthCheckNodePort'),
        hc,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  } else if (needsHealthCheck && hc) {
    errs.push(...isValidPortNum(hc).map((m) => fieldErrors.invalid(specPath.child('healthCheckNodePort'), hc, m)));
  }

  const itpPath = specPath.child('internalTrafficPolicy');
  if (spec.internalTrafficPolicy === undefined) {
    if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      errs.push(fieldErrors.required(itpPath, 'must be specified'));
    }
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(fieldErrors.notSupported(itpPath, spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== 'PreferClose') {
    errs.push(fieldErrors.notSupported(specPath.child('trafficDistribution'), spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validateClusterIPUpdate(svc: Service, old: Service): FieldErrors {
  if (svc.spec.type === 'ExternalName' || old.spec.type === 'ExternalName') return [];
  if (isHeadless(svc) && isHeadless(old)) return [];
  const errs: FieldErrors = [];
  const now = svc.spec.clusterIPs ?? [];
  const before = old.spec.clusterIPs ?? [];
  const first = specPath.child('clusterIPs').index(0);
  if (before.length === now.length) {
    before.forEach((ip, i) => {
      if (ip !== now[i]) errs.push(fieldErrors.invalid(specPath.child('clusterIPs').index(i), now, 'may not change once set'));
    });
  } else if (before.length > now.length) {
    if (now.length === 0) errs.push(fieldErrors.invalid(first, now, 'primary clusterIP can not be unset'));
    if (now.length > 0 && now[0] !== before[0]) errs.push(fieldErrors.invalid(first, now, 'may not change once set'));
    if (now.length === 1 && svc.spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fieldErrors.invalid(first, now, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (before.length > 0 && now[0] !== before[0]) {
    errs.push(fieldErrors.invalid(first, now, 'may not change once set'));
  }
  if (isHeadless(svc) !== isHeadless(old) || isHeadless(svc)) return errs;
  const famNow = svc.spec.ipFamilies ?? [];
  const famBefore = old.spec.ipFamilies ?? [];
  const famFirst = specPath.child('ipFamilies').index(0);
  if (famBefore.length === famNow.length) {
    if (famBefore.some((f, i) => f !== famNow[i])) errs.push(fieldErrors.invalid(famFirst, famNow, 'may not change once set'));
  } else if (famNow.length > 0 && famBefore.length > 0 && famNow[0] !== famBefore[0]) {
    errs.push(fieldErrors.invalid(famFirst, famNow, 'may not change once set'));
  }
  return errs;
}

/** Validation of a service on create (old undefined) or update. */
export function validateService(svc: Service, old?: Service): FieldErrors {
  const errs: FieldErrors = old
    ? [...validateObjectMetaUpdate(svc.metadata, old.metadata, metadataPath), ...validateClusterIPUpdate(svc, old)]
    : validateObjectMeta(svc.metadata, true, nameIsDNS1035Label, metadataPath);
  errs.push(...validateServiceSpec(svc));
  return errs;
}

// ---- Endpoints ----

/** ValidateNonSpecialIP: endpoints and external IPs may not be unspecified, loopback or link-local. */
export function validateNonSpecialIP(ip: string, path: FieldPath): FieldErrors {
  const family = isIP(ip);
  if (family === 0) return [fieldErrors.invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldErrors = [];
  const lower = ip.toLowerCase();
  const v4 = family === 4 ? ip.split('.').map(Number) : undefined;
  const unspecified = v4 ? v4.every((o) => o === 0) : /^[0:]+$/.test(lower);
  const loopback = v4 ? v4[0] === 127 : lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower);
  const linkLocal = v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab][0-9a-f]?:/.test(lower);
  const linkLocalMulticast = v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff02:/.test(lower);
  if (unspecified) errs.push(fieldErrors.invalid(path, ip, `may not be unspecified (${ip})`));
  if (loopback) errs.push(fieldErrors.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocal) errs.push(fieldErrors.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) {
    errs.push(fieldErrors.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

function validateEndpointAddress(a: EndpointAddress, path: FieldPath): FieldErrors {
  const errs = validateIP(a.ip, path.child('ip'));
  if (a.hostname) errs.push(...validateDNS1123Label(a.hostname, path.child('hostname')));
  if (a.nodeName !== undefined) {
    errs.push(...nameIsDNSSubdomain(a.nodeName, false).map((m) => fieldErrors.invalid(path.child('nodeName'), a.nodeName, m)));
  }
  errs.push(...validateNonSpecialIP(a.ip, path.child('ip')));
  return errs;
}

function validateEndpointPort(p: EndpointPort, requireName: boolean, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (requireName && !p.name) errs.push(fieldErrors.required(path.child('name'), ''));
  else if (p.name) errs.push(...validateDNS1123Label(p.name, path.child('name')));
  errs.push(...isValidPortNum(p.port).map((m) => fieldErrors.invalid(path.child('port'), p.port, m)));
  if (!p.protocol) errs.push(fieldErrors.required(path.child('protocol'), ''));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(p.protocol)) {
    errs.push(fieldErrors.notSupported(path.child('protocol'), p.protocol, SUPPORTED_PORT_PROTOCOLS));
  }
  if (p.appProtocol !== undefined) errs.push(...validateQualifiedName(p.appProtocol, path.child('appProtocol')));
  return errs;
}

/** Validation of an Endpoints object on create (old undefined) or update. */
export function validateEndpoints(ep: Endpoints, old?: Endpoints): FieldErrors {
  const errs: FieldErrors = old
    ? validateObjectMetaUpdate(ep.metadata, old.metadata, metadataPath)
    : validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain, metadataPath);
  const subsetsPath = FieldPath.root('subsets');
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = subsetsPath.index(i);
    if ((ss.addresses?.length ?? 0) === 0 && (ss.notReadyAddresses?.length ?? 0) === 0) {
      errs.push(fieldErrors.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss.addresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('addresses').index(j))));
    (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateEndpointAddress(a, p.child('notReadyAddresses').index(j))));
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, p.child('ports').index(j))));
  });
  return errs;
}
