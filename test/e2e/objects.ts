// The few fields of Kubernetes objects the end-to-end tests read, as the CLI
// prints them with `-o json`, and questions a user asks of them ("are all the
// web pods Running and Ready, and where?").
import type { E2ECluster } from './cluster.js';

export interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
}

export interface Pod {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status?: { phase?: string; podIP?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}

export interface List<T> {
  items: T[];
}

export interface Named {
  metadata: { name: string; uid: string; resourceVersion?: string; labels?: Record<string, string> };
}

export interface Service extends Named {
  spec: { clusterIP?: string; type?: string; ports: { port: number; nodePort?: number }[] };
}

export interface Deployment extends Named {
  spec: { replicas?: number; template: { spec: { containers: { name: string; image: string }[] } } };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Running, Ready and not being deleted: a pod that serves */
export const isServing = (p: Pod): boolean => p.status?.phase === 'Running' && isReady(p) && !p.metadata.deletionTimestamp;

export async function pods(cluster: E2ECluster, selector: string, namespace = 'default'): Promise<Pod[]> {
  return (await cluster.json<List<Pod>>('get', 'pods', '-n', namespace, '-l', selector)).items;
}

/** the pods of `selector` once exactly `count` of them serve and no other is left; undefined until then */
export async function servingPods(cluster: E2ECluster, selector: string, count: number, namespace = 'default'): Promise<Pod[] | undefined> {
  const all = await pods(cluster, selector, namespace);
  const serving = all.filter(isServing);
  return serving.length === count && all.length === count ? serving : undefined;
}

export const nodesOf = (ps: Pod[]): Set<string> => new Set(ps.map((p) => p.spec.nodeName ?? ''));

export function readyCondition(p: Pod): Condition | undefined {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}
