// Accept-header negotiation for Kubernetes' response forms: plain JSON or
// YAML, server-side printed Tables (kubectl get), and object metadata only.
import { StatusError } from '../../src/api/status.js';

export type ResponseForm = 'json' | 'yaml' | 'table' | 'metadata';

interface Clause {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string | undefined): Clause[] {
  if (!accept) return [{ type: '*/*', params: {} }];
  return accept.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params };
  });
}

export function negotiate(accept: string | undefined): ResponseForm {
  for (const c of parseAccept(accept)) {
    const as = c.params.as;
    if (c.type === 'application/json' || c.type === 'application/*' || c.type === '*/*') {
      if (as === 'Table' && c.params.g === 'meta.k8s.io' && (c.params.v === 'v1' || c.params.v === 'v1beta1')) return 'table';
      if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && c.params.g === 'meta.k8s.io') return 'metadata';
      if (as === undefined) return 'json';
      continue;
    }
    if ((c.type === 'application/yaml' || c.type === 'application/x-yaml') && as === undefined) return 'yaml';
  }
  throw new StatusError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io',
  );
}
