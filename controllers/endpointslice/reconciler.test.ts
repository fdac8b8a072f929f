import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import type { PodObject } from '../replicaset/pods.js';
import type { ServiceObject } from '../endpoints/pod-endpoints.js';
import { desiredEndpoints, planSlices, type EndpointSliceObject, type SlicePlan } from './reconciler.js';

const svc: ServiceObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
};

function pod(i: number, o: { ready?: boolean; deleting?: boolean; port?: number; node?: string } = {}): PodObject {
  return {
    metadata: { name: `p${String(i).padStart(3, '0')}`, namespace: 'ns', uid: `u${i}`, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: o.port ?? 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as PodObject;
}

const nodes: Record<string, Node & KubeObject> = {
  n1: { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } }, spec: {} },
  n2: { metadata: { name: 'n2' }, spec: {} },
};
const nodeOf = (n: string) => nodes[n];

let created = 0;
/** Applies a plan the way the apiserver would, naming new slices. */
function apply(existing: EndpointSliceObject[], plan: SlicePlan): EndpointSliceObject[] {
  const gone = new Set(plan.delete.map((s) => s.metadata.name));
  const updated = new Map(plan.update.map((s) => [s.metadata.name, s]));
  const out = existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  for (const s of plan.create) {
    const n = ++created;
    out.push({ ...structuredClone(s), metadata: { ...s.metadata, name: `${s.metadata.generateName}${n}`, uid: `slice-${n}` } });
  }
  return out;
}

const sync = (pods: PodObject[], existing: EndpointSliceObject[], max = 100) =>
  planSlices(svc, desiredEndpoints(svc, pods, nodeOf), existing, max);

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => pod(i + from));

describe('EndpointSlice packing', () => {
  it('writes one slice per 100 endpoints, labelled and owned by the service, with conditions, node, zone and ports', () => {
    const plan = sync(range(250), []);
    expect(plan.update).toHaveLength(0);
    expect(plan.create.map((s) => s.endpoints?.length)).toEqual([100, 100, 50]);
    const s = plan.create[0]!;
    expect(s.metadata.generateName).toBe('web-');
    expect(s.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(s.endpoints?.[0]).toEqual({
      addresses: ['10.1.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'p000', uid: 'u0' },
      nodeName: 'n1',
      zone: 'zone-a',
    });
  });

  it('changes nothing when nothing changed', () => {
    const slices = apply([], sync(range(150), []));
    expect(sync(range(150), slices)).toEqual({ create: [], update: [], delete: [] });
  });

  it('updates only the slice holding a pod that turned unready or started terminating', () => {
    const slices = apply([], sync(range(150), []));
    const pods = range(150);
    pods[120] = pod(120, { ready: false });
    pods[130] = pod(130, { deleting: true });
    const plan = sync(pods, slices);
    expect(plan.create).toHaveLength(0);
    expect(plan.delete).toHaveLength(0);
    expect(plan.update).toHaveLength(1);
    const eps = plan.update[0]!.endpoints!;
    expect(eps.find((e) => e.targetRef?.name === 'p120')?.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(eps.find((e) => e.targetRef?.name === 'p130')?.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it('puts a new pod into the slice with room instead of creating one, and removes a deleted pod in place', () => {
    let slices = apply([], sync(range(150), []));
    const grown = sync([...range(150), pod(150)], slices);
    expect(grown.create).toHaveLength(0);
    expect(grown.update).toHaveLength(1);
    expect(grown.update[0]!.endpoints).toHaveLength(51);
    slices = apply(slices, grown);
    const shrunk = sync(range(150).filter((p) => p.metadata.name !== 'p005').concat(pod(150)), slices);
    expect(shrunk.update).toHaveLength(1);
    expect(shrunk.update[0]!.endpoints).toHaveLength(99);
    expect(shrunk.create).toHaveLength(0);
  });

  it('separates pods whose named port resolves differently into slices with their own ports', () => {
    const plan = sync([pod(1), pod(2, { port: 9090 }), pod(3)], []);
    const byPort = plan.create.map((s) => ({ port: s.ports?.[0]?.port, names: s.endpoints?.map((e) => e.targetRef?.name) }));
    expect(byPort).toEqual(expect.arrayContaining([{ port: 8080, names: ['p001', 'p003'] }, { port: 9090, names: ['p002'] }]));
  });

  it('keeps one empty placeholder slice for a service without endpoints, and reuses a slice left empty for it', () => {
    const empty = sync([], []);
    expect(empty.create).toHaveLength(1);
    expect(empty.create[0]).toMatchObject({ endpoints: [], ports: [] });
    const placeholder = apply([], empty);
    expect(sync([], placeholder)).toEqual({ create: [], update: [], delete: [] });

    const slices = apply([], sync(range(3), []));
    const emptied = sync([], slices);
    expect(emptied.delete).toHaveLength(0);
    expect(emptied.create).toHaveLength(0);
    expect(emptied.update).toHaveLength(1);
    expect(emptied.update[0]!.metadata.name).toBe(slices[0]!.metadata.name);
    expect(emptied.update[0]).toMatchObject({ endpoints: [], ports: [] });
  });

  it('deletes the slices of an earlier service of the same name instead of taking them over', () => {
    const old = apply([], sync(range(3), [])).map((x) => ({ ...x, metadata: { ...x.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old-uid', controller: true }] } }));
    const plan = sync(range(3), old);
    expect(plan.delete.map((x) => x.metadata.name)).toEqual(old.map((x) => x.metadata.name));
    expect(plan.update).toEqual([]);
    expect(plan.create).toHaveLength(1);
    expect(plan.create[0]!.metadata.ownerReferences?.[0]?.uid).toBe('svc-uid');
  });

  it('leaves out pods on a node it has not seen, and says which node', () => {
    const d = desiredEndpoints(svc, [pod(1), pod(2, { node: 'n9' })], nodeOf);
    expect(d.missingNodes).toEqual(['n9']);
    expect([...d.groups.values()][0]!.endpoints.size).toBe(1);
  });
});
