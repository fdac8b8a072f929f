// A container's environment as the kubelet builds it (makeEnvironmentVariables):
// envFrom sources first, then env in order, each value able to refer to the
// variables before it with $(VAR). Also the downward API lookups (fieldRef,
// resourceFieldRef) that environment variables and downwardAPI volumes share.
import type { ConfigMap, Container, ObjectFieldSelector, Pod, ResourceFieldSelector, Secret } from '../src/api/core/v1.js';
import { goQuote } from '../src/machinery/goformat.js';
import { parseQuantity, type Quantity } from '../src/machinery/quantity.js';

/** Where the kubelet reads the ConfigMaps and Secrets a pod refers to (its informer caches). */
export interface ObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/**
 * A container cannot be created until the user fixes something it refers to;
 * the kubelet keeps the container waiting with `reason` and this message.
 */
export class ContainerConfigError extends Error {
  /** the container's waiting reason while this error persists */
  readonly reason: string = 'CreateContainerConfigError';

  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export interface EnvContext {
  podIP: string;
  hostIP: string;
  nodeName: string;
  source: ObjectSource;
  /** every pod IP (dual stack); defaults to [podIP] */
  podIPs?: string[];
  /** every node IP; defaults to [hostIP] */
  hostIPs?: string[];
  /** the node's allocatable resources: resourceFieldRef limits fall back to them */
  allocatable?: Record<string, string>;
  /**
   * Docker-link-style service variables (FOO_SERVICE_HOST, ...). $(VAR) may
   * refer to them, and they are appended unless the container defines the
   * same name, as Kubernetes does.
   */
  serviceEnv?: Record<string, string>;
}

export type EnvVarValue = { name: string; value: string };

/** Any printable ASCII except '=' (Kubernetes' relaxed rule); anything else would break "NAME=value". */
function isUsableEnvName(name: string): boolean {
  return name.length > 0 && !/[^\x20-\x7e]|=/.test(name);
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Per-call cache: one lookup per referenced object, and "not found" kept as undefined. */
class ObjectLookup {
  private readonly configMaps = new Map<string, Promise<ConfigMap | undefined>>();
  private readonly secrets = new Map<string, Promise<Secret | undefined>>();

  constructor(
    private readonly source: ObjectSource,
    private readonly namespace: string,
  ) {}

  configMap(name: string): Promise<ConfigMap | undefined> {
    let p = this.configMaps.get(name);
    if (!p) {
      p = this.source.configMap(this.namespace, name);
      this.configMaps.set(name, p);
    }
    return p;
  }

  secret(name: string): Promise<Secret | undefined> {
    let p = this.secrets.get(name);
    if (!p) {
      p = this.source.secret(this.namespace, name);
      this.secrets.set(name, p);
    }
    return p;
  }
}

export async function resolveEnv(pod: Pod, container: Container, ctx: EnvContext): Promise<EnvVarValue[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const lookup = new ObjectLookup(ctx.source, namespace);
  // Map keeps first-insertion order, so a later definition replaces the value in place.
  const env = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await lookup.configMap(name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap ${goQuote(name)} not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        if (isUsableEnvName(prefix + k)) env.set(prefix + k, v);
      }
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = await lookup.secret(name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret ${goQuote(name)} not found`);
      }
      for (const [k, v] of Object.entries(secret.data ?? {})) {
        if (isUsableEnvName(prefix + k)) env.set(prefix + k, decodeBase64(v));
      }
    }
  }

  const serviceEnv = ctx.serviceEnv ?? {};
  const lookupVar = (name: string): string | undefined => env.get(name) ?? serviceEnv[name];

  for (const ev of container.env ?? []) {
    let value = ev.value ?? '';
    if (value !== '') {
      value = expandVariables(value, lookupVar);
    } else if (ev.valueFrom) {
      const from = ev.valueFrom;
      if (from.fieldRef) {
        value = envFieldValue(from.fieldRef, pod, ctx);
      } else if (from.resourceFieldRef) {
        value = containerResourceValue(from.resourceFieldRef, pod, container, ctx.allocatable);
      } else if (from.configMapKeyRef) {
        const { name = '', key, optional } = from.configMapKeyRef;
        const cm = await lookup.configMap(name);
        if (!cm) {
          if (optional) continue;
          throw new ContainerConfigError(`configmap ${goQuote(name)} not found`);
        }
        const v = cm.data?.[key];
        if (v === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
        }
        value = v;
      } else if (from.secretKeyRef) {
        const { name = '', key, optional } = from.secretKeyRef;
        const secret = await lookup.secret(name);
        if (!secret) {
          if (optional) continue;
          throw new ContainerConfigError(`secret ${goQuote(name)} not found`);
        }
        const v = secret.data?.[key];
        if (v === undefined) {
          if (optional) continue;
          throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
        }
        value = decodeBase64(v);
      }
    }
    env.set(ev.name, value);
  }

  const result = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of Object.entries(serviceEnv)) {
    if (!env.has(name)) result.push({ name, value });
  }
  return result;
}

/**
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): `$$`
 * is a literal `$`, an unknown or unterminated reference is left as written,
 * and `$` before anything else stays as it is.
 */
export function expandVariables(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      out += '$';
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close < 0) {
        out += '$(';
      } else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - cursor;
      }
    } else {
      out += '$' + next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** fieldpath.FormatMap: sorted `key="value"` lines, as the downward API writes whole label and annotation maps. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k]!)}`)
    .join('\n');
}

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['k']` into its path and subscript. */
function splitSubscript(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return { path: s.slice(0, i), subscript: s.slice(i + 2) };
}

/** fieldpath.ExtractFieldPathAsString: the metadata fields downwardAPI volumes can expose. */
export function podMetadataFieldValue(pod: Pod, fieldPath: string): string {
  const sub = splitSubscript(fieldPath);
  if (sub) {
    if (sub.path === 'metadata.annotations') return pod.metadata.annotations?.[sub.subscript] ?? '';
    if (sub.path === 'metadata.labels') return pod.metadata.labels?.[sub.subscript] ?? '';
    throw new Error(`fieldPath ${goQuote(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** podFieldSelectorRuntimeValue: what an env var's fieldRef resolves to. */
function envFieldValue(fs: ObjectFieldSelector, pod: Pod, ctx: EnvContext): string {
  if (fs.apiVersion && fs.apiVersion !== 'v1') throw new ContainerConfigError(`unsupported pod version: ${fs.apiVersion}`);
  const podIPs = ctx.podIPs && ctx.podIPs.length > 0 ? ctx.podIPs : ctx.podIP ? [ctx.podIP] : [];
  const hostIPs = ctx.hostIPs && ctx.hostIPs.length > 0 ? ctx.hostIPs : [ctx.hostIP];
  switch (fs.fieldPath) {
    case 'spec.nodeName':
      return pod.spec.nodeName || ctx.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPs[0] ?? '';
    case 'status.hostIPs':
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? ctx.podIP;
    case 'status.podIPs':
      return podIPs.join(',');
  }
  try {
    return podMetadataFieldValue(pod, fs.fieldPath);
  } catch (e) {
    throw new ContainerConfigError((e as Error).message);
  }
}

const DEFAULTED_FROM_ALLOCATABLE = ['cpu', 'memory', 'ephemeral-storage'];

function quantityOrZero(s: string | undefined): Quantity {
  return parseQuantity(s ?? '0');
}

/** ceil(a / b) for positive divisors, exact on bigints. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/**
 * resource.ExtractResourceValueByContainerNameAndNodeAllocatable: a
 * container's request or limit in units of the divisor, rounded up; a missing
 * cpu, memory or ephemeral-storage limit reads as the node's allocatable.
 */
export function containerResourceValue(
  fs: ResourceFieldSelector,
  pod: Pod,
  container: Container | undefined,
  allocatable: Record<string, string> | undefined,
): string {
  let target = container;
  if (fs.containerName) {
    target = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === fs.containerName);
    if (!target) throw new ContainerConfigError(`container ${fs.containerName} not found`);
  }
  if (!target) throw new ContainerConfigError('resourceFieldRef without a container');
  const dot = fs.resource.indexOf('.');
  const kind = fs.resource.slice(0, dot);
  const name = fs.resource.slice(dot + 1);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests')) {
    throw new ContainerConfigError(`unsupported container resource : ${fs.resource}`);
  }
  const divisor = fs.divisor === undefined || parseQuantity(fs.divisor).isZero() ? parseQuantity('1') : parseQuantity(fs.divisor);
  let raw = target.resources?.[kind]?.[name];
  if (raw === undefined && kind === 'limits' && DEFAULTED_FROM_ALLOCATABLE.includes(name)) raw = allocatable?.[name];
  const q = quantityOrZero(raw);
  if (name === 'cpu') return ceilDiv(q.milliValueBig(), divisor.milliValueBig()).toString();
  if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
    return ceilDiv(q.valueBig(), divisor.valueBig()).toString();
  }
  throw new ContainerConfigError(`unsupported container resource : ${fs.resource}`);
}
