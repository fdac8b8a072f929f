// The Endpoints, EndpointSlice and ServiceAccount controllers with the
// ReplicaSet controller and the garbage collector, against a real apiserver
// on a real etcd, with a stand-in kubelet that runs pods on node n1 and gives
// them IPs: endpoints follow pod readiness and deletion, selectorless
// services keep hand-written Endpoints, and a service's endpoints go with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Node, Service } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { isNotFound } from '../src/client/index.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { garbageCollectorController } from '../controllers/garbagecollector/controller.js';
import { endpointsController } from '../controllers/endpoints/controller.js';
import { endpointSliceController } from '../controllers/endpointslice/controller.js';
import { serviceAccountController } from '../controllers/serviceaccount/controller.js';
import { TestKubelet } from '../controllers/common/test-kubelet.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { EndpointSliceObject } from '../controllers/endpointslice/reconciler.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until as poll } from './harness/until.js';

const nodesRef = ref('', 'v1', 'nodes', false);
const podsRef = ref('', 'v1', 'pods');
const servicesRef = ref('', 'v1', 'services');
const endpointsRef = ref('', 'v1', 'endpoints');
const slicesRef = ref('discovery.k8s.io', 'v1', 'endpointslices');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');
const serviceAccountsRef = ref('', 'v1', 'serviceaccounts');

type EndpointsObject = Endpoints & KubeObject;
type ServiceObject = Service & KubeObject;

const s = controllerTestEnv({
  namespacePrefix: 'ep-it',
  async setUp(api) {
    await api.client.resource<Node & KubeObject>(nodesRef).create(undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
      spec: {},
    });
  },
  controllers: [replicaSetController(), endpointsController(), endpointSliceController(), serviceAccountController(), garbageCollectorController()],
});
let kubelet: TestKubelet;
let ip = 10;

beforeAll(async () => {
  kubelet = new TestKubelet(s.client, { nodeName: 'n1', podIP: () => `10.244.1.${ip++}`, finishDeletions: true });
  await kubelet.start();
});
afterAll(async () => {
  await kubelet?.stop();
});

/** An object the controllers have not written yet is not there. */
const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000) => poll(what, fn, { timeoutMs, retryOn: isNotFound });

async function replicaSet(ns: string, name: string, replicas: number): Promise<void> {
  await s.client.resource(replicaSetsRef).create(ns, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeName: 'n1', terminationGracePeriodSeconds: 5, containers: [{ name: 'app', image: 'skiff/echo:latest', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  });
}

async function service(ns: string, name: string, spec: Partial<ServiceObject['spec']> = {}): Promise<ServiceObject> {
  return s.client.resource<ServiceObject>(servicesRef).create(ns, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { team: 'blue' } },
    spec: { selector: { app: name }, ports: [{ name: 'web', port: 80, targetPort: 'http' }], ...spec },
  });
}

const endpoints = (ns: string, name: string) => s.client.resource<EndpointsObject>(endpointsRef).get(ns, name);
const readyIPs = (ep: EndpointsObject) => (ep.subsets ?? []).flatMap((x) => (x.addresses ?? []).map((a) => a.ip)).sort();
const notReadyIPs = (ep: EndpointsObject) => (ep.subsets ?? []).flatMap((x) => (x.notReadyAddresses ?? []).map((a) => a.ip)).sort();
const runningPods = async (ns: string) =>
  (await s.client.resource<PodObject>(podsRef).list(ns)).items.filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp);
const slicesOf = async (ns: string, svc: string) =>
  (await s.client.resource<EndpointSliceObject>(slicesRef).list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;

describe('Endpoints and EndpointSlice controllers (etcd)', () => {
  it('publishes the ready pods of a service with their IPs, node, pod references and resolved ports', async () => {
    const ns = await s.namespace();
    const svc = await service(ns, 'web');
    await replicaSet(ns, 'web', 2);
    const ep = await until('two ready addresses', async () => {
      const e = await endpoints(ns, 'web');
      return readyIPs(e).length === 2 ? e : undefined;
    });
    const pods = await runningPods(ns);
    expect(readyIPs(ep)).toEqual(pods.map((p) => p.status!.podIP!).sort());
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0]!.ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    for (const a of ep.subsets![0]!.addresses!) {
      const pod = pods.find((p) => p.status?.podIP === a.ip)!;
      expect(a).toMatchObject({ nodeName: 'n1', targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid } });
    }
    expect(ep.metadata.labels).toEqual({ team: 'blue' });
    expect(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT/);

    const slices = await until('a slice with two ready endpoints', async () => {
      const list = await slicesOf(ns, 'web');
      return list.length === 1 && (list[0]!.endpoints ?? []).filter((e) => e.conditions?.ready).length === 2 ? list : undefined;
    });
    const slice = slices[0]!;
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.labels).toEqual({
      team: 'blue',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'web', protocol: 'TCP', port: 8080 }]);
    for (const e of slice.endpoints ?? []) {
      expect(e).toMatchObject({ conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'zone-a', targetRef: { kind: 'Pod', namespace: ns } });
    }
    // The namespace got its default ServiceAccount along the way.
    expect((await s.client.resource(serviceAccountsRef).get(ns, 'default')).metadata.name).toBe('default');
  });

  it('moves a pod that turns unready to notReadyAddresses and back, and drops a deleted pod', async () => {
    const ns = await s.namespace();
    await service(ns, 'api');
    await replicaSet(ns, 'api', 2);
    await until('two ready addresses', async () => (readyIPs(await endpoints(ns, 'api')).length === 2 ? true : undefined));
    const [first, second] = await runningPods(ns);

    await kubelet.setReady(ns, first!.metadata.name!, false);
    const unready = await until(
      'the unready pod in notReadyAddresses',
      async () => {
        const e = await endpoints(ns, 'api');
        return notReadyIPs(e).includes(first!.status!.podIP!) ? e : undefined;
      },
      3000,
    );
    expect(readyIPs(unready)).toEqual([second!.status!.podIP!]);
    await until('the slice to say so', async () => {
      const eps = (await slicesOf(ns, 'api')).flatMap((x) => x.endpoints ?? []);
      const e = eps.find((x) => x.targetRef?.uid === first!.metadata.uid);
      return e?.conditions?.ready === false && e.conditions.serving === false ? true : undefined;
    }, 3000);

    await kubelet.setReady(ns, first!.metadata.name!, true);
    await until('both ready again', async () => (readyIPs(await endpoints(ns, 'api')).length === 2 ? true : undefined), 3000);

    await s.client.resource(podsRef).delete(ns, second!.metadata.name!);
    await until(
      'the deleted pod gone from the endpoints',
      async () => {
        const e = await endpoints(ns, 'api');
        return ![...readyIPs(e), ...notReadyIPs(e)].includes(second!.status!.podIP!) ? true : undefined;
      },
      3000,
    );
    // Its replacement shows up once the kubelet gives it an IP.
    await until('the replacement published', async () => (readyIPs(await endpoints(ns, 'api')).length === 2 ? true : undefined));
  });

  it('publishes unready pods as ready with publishNotReadyAddresses', async () => {
    const ns = await s.namespace();
    await service(ns, 'db', { publishNotReadyAddresses: true, clusterIP: 'None' });
    await replicaSet(ns, 'db', 1);
    const [pod] = await until('a running pod', async () => {
      const pods = await runningPods(ns);
      return pods.length === 1 ? pods : undefined;
    });
    await kubelet.setReady(ns, pod!.metadata.name!, false);
    await until('the pod still among the addresses, unready', async () => {
      const e = await endpoints(ns, 'db');
      const slice = (await slicesOf(ns, 'db'))[0];
      const ep = slice?.endpoints?.[0];
      return readyIPs(e).includes(pod!.status!.podIP!) && ep?.conditions?.serving === false && ep.conditions.ready === true ? true : undefined;
    });
    const e = await endpoints(ns, 'db');
    expect(e.metadata.labels?.['service.kubernetes.io/headless']).toBe('');
  });

  it('leaves the Endpoints of a service without selector alone, and removes a service\'s endpoints with it', async () => {
    const ns = await s.namespace();
    await s.client.resource<ServiceObject>(servicesRef).create(ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'external' },
      spec: { ports: [{ port: 5432, protocol: 'TCP' }] },
    });
    await s.client.resource<EndpointsObject>(endpointsRef).create(ns, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    await service(ns, 'web');
    await replicaSet(ns, 'web', 1);
    await until('web published', async () => (readyIPs(await endpoints(ns, 'web')).length === 1 ? true : undefined));
    await until('web sliced', async () => ((await slicesOf(ns, 'web')).length === 1 ? true : undefined));
    expect((await endpoints(ns, 'external')).subsets).toEqual([{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    expect(await slicesOf(ns, 'external')).toEqual([]);

    await s.client.resource(servicesRef).delete(ns, 'web');
    await until('the Endpoints deleted with the service', async () => {
      try {
        await endpoints(ns, 'web');
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    await until('the slices collected with the service', async () => ((await slicesOf(ns, 'web')).length === 0 ? true : undefined));
    expect((await endpoints(ns, 'external')).subsets?.[0]?.addresses).toEqual([{ ip: '192.0.2.10' }]);
  });
});
