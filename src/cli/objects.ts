// Objects as the verbs handle them: which served resource an object from a
// file belongs to, which namespace it goes to, and how kubectl names it in
// its messages.
import type { KubeObject } from '../api/meta.js';
import type { ResourceInfo } from '../api/resource.js';
import { apiVersionOf } from '../api/resource.js';
import { allResources, findByKind } from '../api/resources.js';
import { StatusError } from '../api/status.js';
import { CliError } from './action.js';

/** The Accept header that asks the server for kubectl's table (meta.k8s.io/v1 Table). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** The resource an object from a manifest belongs to, refused in kubectl's words when none serves it. */
export function infoForObject(obj: KubeObject, source?: string): ResourceInfo {
  const apiVersion = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  const info = findByKind(apiVersion, kind);
  if (info) return info;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const other = allResources.find((r) => r.group === group && r.kind === kind);
  const hint = other ? `no matches for kind "${kind}" in version "${apiVersion}"` : `no matches for kind "${kind}" in version "${group ? `${group}/${version}` : version}"`;
  const ns = obj.metadata.namespace ?? '';
  throw new CliError(
    `resource mapping not found for name: "${obj.metadata.name ?? ''}" namespace: "${ns}" from "${source ?? ''}": ${hint}\nensure CRDs are installed first`,
  );
}

/**
 * The namespace an object from a file goes to: its own, else the one -n or
 * the context gives. Naming a different namespace with -n than the file's is
 * refused, as kubectl refuses it.
 */
export function namespaceFor(
  info: ResourceInfo,
  obj: KubeObject,
  ctx: { namespace: string; explicitNamespace: boolean },
): string | undefined {
  if (!info.namespaced) return undefined;
  const own = obj.metadata.namespace;
  if (own && ctx.explicitNamespace && own !== ctx.namespace) {
    throw new CliError(
      `the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  return own || ctx.namespace;
}

/** `deployment.apps/web`. */
export function kindName(info: Pick<ResourceInfo, 'kind' | 'group'>, name: string): string {
  const k = info.kind.toLowerCase();
  return `${info.group ? `${k}.${info.group}` : k}/${name}`;
}

/** `deployment.apps "web"`, as kubectl's delete and error messages write it. */
export function kindQuoted(info: Pick<ResourceInfo, 'kind' | 'group'>, name: string): string {
  const k = info.kind.toLowerCase();
  return `${info.group ? `${k}.${info.group}` : k} "${name}"`;
}

/** List items come without apiVersion and kind; kubectl's output shows them on every object. */
export function withTypeMeta(info: ResourceInfo, obj: KubeObject): KubeObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { apiVersion: apiVersionOf(info), kind: info.kind, ...obj };
}

/** kubectl's `error when creating "web.yaml": ...`: a server error that names the file the object came from. */
export function withSource(err: unknown, doing: string, source: string): unknown {
  if (!(err instanceof StatusError) || !source) return err;
  return new StatusError(err.code, err.reason, `error when ${doing} "${source}": ${err.message}`, err.details);
}
