// The files configMap, secret, downwardAPI and projected volumes hold, built
// as Kubernetes' plugins build them (MakePayload, CollectData), with their
// error messages.
import { posix } from 'node:path';
import type {
  ConfigMap,
  DownwardAPIVolumeFile,
  KeyToPath,
  Pod,
  Secret,
  Volume,
  VolumeProjection,
} from '../../src/api/core/v1.js';
import { goQuote } from '../../src/machinery/goformat.js';
import { containerResourceValue, podMetadataFieldValue, type ObjectSource } from '../env.js';
import type { Payload } from './atomic-writer.js';

/** the API's default for defaultMode (420) */
export const DEFAULT_MODE = 0o644;

export interface PayloadContext {
  pod: Pod;
  source: ObjectSource;
  allocatable?: Record<string, string>;
  /** a projected source the kubelet does not provide (serviceAccountToken, clusterTrustBundle) */
  onSkippedSource?: (kind: string) => void;
}

/** utilerrors.NewAggregate(...).Error() */
function aggregate(errors: Error[]): Error | undefined {
  if (errors.length === 0) return undefined;
  if (errors.length === 1) return errors[0];
  return new Error(`[${errors.map((e) => e.message).join(', ')}]`);
}

async function getConfigMap(ctx: PayloadContext, name: string, optional: boolean): Promise<ConfigMap> {
  const namespace = ctx.pod.metadata.namespace ?? 'default';
  const cm = await ctx.source.configMap(namespace, name);
  if (cm) return cm;
  if (optional) return { metadata: { namespace, name } };
  throw new Error(`configmap ${goQuote(name)} not found`);
}

async function getSecret(ctx: PayloadContext, name: string, optional: boolean): Promise<Secret> {
  const namespace = ctx.pod.metadata.namespace ?? 'default';
  const secret = await ctx.source.secret(namespace, name);
  if (secret) return secret;
  if (optional) return { metadata: { namespace, name } };
  throw new Error(`secret ${goQuote(name)} not found`);
}

/** configmap.MakePayload: every key (data and binaryData), or just the listed items. */
export function configMapPayload(cm: ConfigMap, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const lookup = (key: string): Buffer | undefined => {
    const text = cm.data?.[key];
    if (text !== undefined) return Buffer.from(text, 'utf8');
    const bin = cm.binaryData?.[key];
    return bin === undefined ? undefined : Buffer.from(bin, 'base64');
  };
  if (!items || items.length === 0) {
    for (const [k, v] of Object.entries(cm.data ?? {})) payload.set(k, { data: Buffer.from(v, 'utf8'), mode: defaultMode });
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) payload.set(k, { data: Buffer.from(v, 'base64'), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = lookup(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new Error(`configmap references non-existent config key: ${item.key}`);
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}

/** secret.MakePayload: the decoded values of every key, or just the listed items. */
export function secretPayload(secret: Secret, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const data = secret.data ?? {};
  if (!items || items.length === 0) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: Buffer.from(v, 'base64'), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`references non-existent secret key: ${item.key}`);
    }
    payload.set(item.path, { data: Buffer.from(v, 'base64'), mode: item.mode ?? defaultMode });
  }
  return payload;
}

/** downwardapi.CollectData: each item's field or resource value; errors are collected, not short-circuited. */
export function downwardApiPayload(
  items: DownwardAPIVolumeFile[] | undefined,
  pod: Pod,
  defaultMode: number,
  allocatable: Record<string, string> | undefined,
): Payload {
  const payload: Payload = new Map();
  const errors: Error[] = [];
  for (const item of items ?? []) {
    let value = '';
    try {
      if (item.fieldRef) value = podMetadataFieldValue(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) value = containerResourceValue(item.resourceFieldRef, pod, undefined, allocatable);
    } catch (e) {
      errors.push(e as Error);
    }
    payload.set(posix.normalize(item.path), { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
  }
  const err = aggregate(errors);
  if (err) throw err;
  return payload;
}

async function projectionPayload(src: VolumeProjection, defaultMode: number, ctx: PayloadContext): Promise<Payload> {
  if (src.secret) {
    const optional = src.secret.optional ?? false;
    return secretPayload(await getSecret(ctx, src.secret.name ?? '', optional), src.secret.items, defaultMode, optional);
  }
  if (src.configMap) {
    const optional = src.configMap.optional ?? false;
    return configMapPayload(await getConfigMap(ctx, src.configMap.name ?? '', optional), src.configMap.items, defaultMode, optional);
  }
  if (src.downwardAPI) return downwardApiPayload(src.downwardAPI.items, ctx.pod, defaultMode, ctx.allocatable);
  if (src.serviceAccountToken) ctx.onSkippedSource?.('serviceAccountToken');
  if (src.clusterTrustBundle) ctx.onSkippedSource?.('clusterTrustBundle');
  return new Map();
}

/** The files of a configMap, secret, downwardAPI or projected volume; undefined for other kinds. */
export async function volumePayload(volume: Volume, ctx: PayloadContext): Promise<Payload | undefined> {
  if (volume.configMap) {
    const src = volume.configMap;
    const optional = src.optional ?? false;
    return configMapPayload(await getConfigMap(ctx, src.name ?? '', optional), src.items, src.defaultMode ?? DEFAULT_MODE, optional);
  }
  if (volume.secret) {
    const src = volume.secret;
    const optional = src.optional ?? false;
    return secretPayload(await getSecret(ctx, src.secretName ?? '', optional), src.items, src.defaultMode ?? DEFAULT_MODE, optional);
  }
  if (volume.downwardAPI) {
    return downwardApiPayload(volume.downwardAPI.items, ctx.pod, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx.allocatable);
  }
  if (volume.projected) {
    const defaultMode = volume.projected.defaultMode ?? DEFAULT_MODE;
    const payload: Payload = new Map();
    const errors: Error[] = [];
    for (const src of volume.projected.sources ?? []) {
      try {
        for (const [p, f] of await projectionPayload(src, defaultMode, ctx)) payload.set(p, f);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    const err = aggregate(errors);
    if (err) throw err;
    return payload;
  }
  return undefined;
}
