// Kubernetes' URLs: the path layout of a resource (the core group under
// /api/{version}, every other group under /apis/{group}/{version}; namespaced
// resources under namespaces/{ns} when a namespace is given, cluster-wide
// otherwise) and query strings.

/** The part of ResourceInfo the client needs. */
export interface ResourceRef {
  /** '' for the core group */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.plural}`;
  if (name !== undefined) {
    if (name === '') throw new Error(`a ${ref.plural} name may not be empty`);
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];
export type Query = Record<string, QueryValue>;

/** Either "k=v,k2" or a map of equality requirements. */
export type SelectorInput = string | Record<string, string>;

export function formatSelector(s: SelectorInput | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (typeof s === 'string') return s || undefined;
  const parts = Object.entries(s).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : undefined;
}

