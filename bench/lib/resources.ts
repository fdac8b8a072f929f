// The resources the benchmarks create and watch, and the checks they make on them.
import type { Node, Pod } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { ResourceRef, RestClient } from '../../src/client/index.js';

export type PodObject = Pod & KubeObject;
export type NodeObject = Node & KubeObject;

export const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
export const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
export const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

export async function createNamespace(client: RestClient, name: string): Promise<void> {
  await client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** A pod or a node whose Ready condition is True. */
export function isReady(obj: { status?: { conditions?: { type: string; status: string }[] } }): boolean {
  return obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
