// Turns a Kubernetes REST path into what it addresses (the apiserver's
// RequestInfo): a discovery document, or a resource with its namespace,
// name and subresource.
import type { ResourceInfo } from '../../src/api/resource.js';
import { errors } from '../../src/api/status.js';

export type RequestTarget =
  | { type: 'legacyVersions' }
  | { type: 'groupList' }
  | { type: 'group'; group: string }
  | { type: 'resourceList'; group: string; version: string }
  | {
      type: 'resource';
      info: ResourceInfo;
      namespace?: string;
      name?: string;
      subresource?: string;
    };

export type ResourceLookup = (group: string, version: string, plural: string) => ResourceInfo | undefined;

export function parseRequestPath(path: string, lookup: ResourceLookup): RequestTarget {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'legacyVersions' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'groupList' };
    if (parts.length === 2) return { type: 'group', group: parts[1]! };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    throw errors.pathNotFound();
  }
  if (rest.length === 0) return { type: 'resourceList', group, version };
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}/... addresses namespaced resources; but
  // /namespaces, /namespaces/{name} and /namespaces/{name}/{status|finalize}
  // address the namespace objects themselves.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (extra.length > 0) throw errors.pathNotFound();
  const info = lookup(group, version, plural!);
  if (!info) throw errors.pathNotFound();
  if (namespace !== undefined && !info.namespaced) throw errors.pathNotFound();
  return { type: 'resource', info, namespace, name, subresource };
}
