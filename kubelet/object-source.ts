// ConfigMaps and Secrets for environment variables and volumes, read from the
// apiserver when a container is created or a volume refreshed (Kubernetes'
// "Get" change-detection strategy): always the current value, and nothing
// cached for objects no pod refers to any more.
import type { ConfigMap, Secret } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { isNotFound, type ResourceRef, type RestClient } from '../src/client/index.js';
import type { ObjectSource } from './env.js';

const configMapsRef: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
const secretsRef: ResourceRef = { group: '', version: 'v1', plural: 'secrets', namespaced: true };

async function getOrUndefined<T extends KubeObject>(client: RestClient, ref: ResourceRef, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.resource<T>(ref).get(namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function apiObjectSource(client: RestClient): ObjectSource {
  return {
    configMap: (namespace, name) => getOrUndefined<ConfigMap & KubeObject>(client, configMapsRef, namespace, name),
    secret: (namespace, name) => getOrUndefined<Secret & KubeObject>(client, secretsRef, namespace, name),
  };
}
