// Which describer a type gets and what it reads besides the object itself:
// the Events about it, and per type the ReplicaSets of a Deployment, the pods
// of a workload or node, the EndpointSlices of a Service, a node's Lease.
// The layout itself is the pure describe* functions beside this file.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/apps/v1.js';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/v2.js';
import type { CronJob, Job } from '../../api/batch/v1.js';
import type { Lease } from '../../api/coordination/v1.js';
import type { ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service } from '../../api/core/v1.js';
import type { EndpointSlice } from '../../api/discovery/v1.js';
import type { KubeObject, LabelSelector } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resource.js';
import { StatusError } from '../../api/status.js';
import { isForbidden, type ResourceRef, type RestClient } from '../../client/index.js';
import { labelSelectorToString } from '../../machinery/labels.js';
import type { DeploymentObject } from '../../../controllers/deployment/replicasets.js';
import { deploymentReplicaSets } from '../rollout/replicasets.js';
import { describeConfigMap, describeSecret } from './configs.js';
import { eventIsAbout } from './events.js';
import { describeGeneric } from './generic.js';
import { describeHorizontalPodAutoscaler } from './hpa.js';
import { describeCronJob, describeJob } from './jobs.js';
import { describeNamespace } from './namespaces.js';
import { describeNode, type NodeLease } from './nodes.js';
import { describePod } from './pods.js';
import { describeEndpoints, describeEndpointSlice, describeService } from './services.js';
import { countPodPhases, describeDaemonSet, describeDeployment, describeReplicaSet, describeStatefulSet, type PodPhaseCounts } from './workloads.js';

const ref = (group: string, version: string, plural: string, namespaced = true): ResourceRef => ({ group, version, plural, namespaced });
const podsRef = ref('', 'v1', 'pods');
const eventsRef = ref('', 'v1', 'events');
const endpointSlicesRef = ref('discovery.k8s.io', 'v1', 'endpointslices');
const endpointsRef = ref('', 'v1', 'endpoints');
const leasesRef = ref('coordination.k8s.io', 'v1', 'leases');

export interface DescribeSettings {
  showEvents: boolean;
  now: number;
}

/**
 * searchEvents: the Events about obj. The server narrows by name; namespace,
 * kind and uid are compared here so that events recorded before the object
 * was recreated under the same name stay out.
 */
export async function eventsAbout(
  client: RestClient,
  obj: KubeObject,
  kind: string | undefined,
  extraUids: string[] = [],
): Promise<Event[]> {
  const list = await client.resource<Event & KubeObject>(eventsRef).listAll(obj.metadata.namespace || undefined, {
    fieldSelector: { 'involvedObject.name': obj.metadata.name ?? '' },
  });
  return list.items.filter((e) => eventIsAbout(e, obj, kind, extraUids));
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** getPodStatusForController. */
async function podPhases(
  client: RestClient,
  namespace: string | undefined,
  selector: LabelSelector | undefined,
  uid: string | undefined,
): Promise<PodPhaseCounts> {
  const pods = await client.resource<Pod & KubeObject>(podsRef).listAll(namespace, { labelSelector: labelSelectorToString(selector) });
  return countPodPhases(pods.items, uid);
}

async function optionalEvents(client: RestClient, obj: KubeObject, kind: string | undefined, s: DescribeSettings): Promise<Event[] | undefined> {
  if (!s.showEvents) return undefined;
  // kubectl describes the object even when its events cannot be read.
  return eventsAbout(client, obj, kind).catch(() => []);
}

type Describer = (client: RestClient, obj: KubeObject, s: DescribeSettings) => Promise<string>;

const describers: Record<string, Describer> = {
  '/Pod': async (client, obj, s) => describePod(obj as unknown as Pod, await optionalEvents(client, obj, undefined, s), s.now),

  'apps/Deployment': async (client, obj, s) => {
    const d = obj as DeploymentObject;
    const events = await optionalEvents(client, obj, 'Deployment', s);
    // As kubectl: without its ReplicaSets the deployment is still described.
    const { newRS, oldRSs } = await deploymentReplicaSets(client, d).catch(() => ({ newRS: undefined, oldRSs: [] }));
    return describeDeployment(d as Deployment, oldRSs, newRS, events, s.now);
  },

  'apps/ReplicaSet': async (client, obj, s) => {
    const rs = obj as unknown as ReplicaSet;
    const pods = await podPhases(client, rs.metadata.namespace, rs.spec.selector, rs.metadata.uid).catch((e: unknown) => ({ error: errorText(e) }));
    return describeReplicaSet(rs, pods, await optionalEvents(client, obj, 'ReplicaSet', s), s.now);
  },

  'apps/StatefulSet': async (client, obj, s) => {
    const sts = obj as unknown as StatefulSet;
    const pods = await podPhases(client, sts.metadata.namespace, sts.spec.selector, sts.metadata.uid);
    return describeStatefulSet(sts, pods, await optionalEvents(client, obj, 'StatefulSet', s), s.now);
  },

  'apps/DaemonSet': async (client, obj, s) => {
    const ds = obj as unknown as DaemonSet;
    const pods = await podPhases(client, ds.metadata.namespace, ds.spec.selector, ds.metadata.uid);
    return describeDaemonSet(ds, pods, await optionalEvents(client, obj, 'DaemonSet', s), s.now);
  },

  'batch/Job': async (client, obj, s) => describeJob(obj as unknown as Job, await optionalEvents(client, obj, 'Job', s), s.now),
  'batch/CronJob': async (client, obj, s) => describeCronJob(obj as unknown as CronJob, await optionalEvents(client, obj, 'CronJob', s), s.now),

  '/Service': async (client, obj, s) => {
    const svc = obj as unknown as Service;
    const name = svc.metadata.name ?? '';
    const slices = await client
      .resource<EndpointSlice & KubeObject>(endpointSlicesRef)
      .listAll(svc.metadata.namespace, { labelSelector: { 'kubernetes.io/service-name': name } })
      .then((l) => l.items)
      .catch(() => []);
    const endpoints = await client
      .resource<Endpoints & KubeObject>(endpointsRef)
      .get(svc.metadata.namespace, name)
      .catch(() => undefined);
    return describeService(svc, slices, endpoints, await optionalEvents(client, obj, 'Service', s), s.now);
  },
  '/Endpoints': async (client, obj, s) => describeEndpoints(obj as unknown as Endpoints, await optionalEvents(client, obj, 'Endpoints', s), s.now),
  'discovery.k8s.io/EndpointSlice': async (client, obj, s) =>
    describeEndpointSlice(obj as unknown as EndpointSlice, await optionalEvents(client, obj, 'EndpointSlice', s), s.now),

  '/Node': async (client, obj, s) => {
    const node = obj as unknown as Node;
    const name = node.metadata.name ?? '';
    let pods: Pod[] | undefined;
    try {
      const list = await client.resource<Pod & KubeObject>(podsRef).listAll(undefined, {
        fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`,
      });
      pods = list.items;
    } catch (e) {
      if (!isForbidden(e)) throw e;
    }
    let lease: NodeLease;
    try {
      lease = { lease: await client.resource<Lease & KubeObject>(leasesRef).get('kube-node-lease', name) };
    } catch (e) {
      lease = { error: e instanceof StatusError ? e.message : errorText(e) };
    }
    // Controllers name a node by its uid in events, kubelet by its name.
    const events = s.showEvents ? await eventsAbout(client, obj, 'Node', [name]).catch(() => []) : undefined;
    return describeNode(node, pods, lease, events, s.now);
  },
  '/Namespace': async (_client, obj) => describeNamespace(obj as unknown as Namespace),
  '/ConfigMap': async (client, obj, s) => describeConfigMap(obj as unknown as ConfigMap, await optionalEvents(client, obj, 'ConfigMap', s), s.now),
  '/Secret': async (_client, obj) => describeSecret(obj as unknown as Secret),
  'autoscaling/HorizontalPodAutoscaler': async (client, obj, s) =>
    describeHorizontalPodAutoscaler(obj as unknown as HorizontalPodAutoscaler, await optionalEvents(client, obj, 'HorizontalPodAutoscaler', s), s.now),
};

/** The description of one object, read from the server as kubectl's describer for its type would. */
export async function describeObject(client: RestClient, info: ResourceInfo, obj: KubeObject, s: DescribeSettings): Promise<string> {
  const describer = describers[`${info.group}/${info.kind}`];
  if (describer) return describer(client, obj, s);
  return describeGeneric(obj, await optionalEvents(client, obj, info.kind, s), s.now);
}
