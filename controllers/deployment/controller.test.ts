// The Deployment controller with the ReplicaSet controller against a real
// apiserver on in-memory storage, pods made ready by a test kubelet.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { KubeObject } from '../../src/api/meta.js';
import { SharedInformerFactory, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import { ReplicaSetController } from '../replicaset/controller.js';
import type { PodObject } from '../replicaset/pods.js';
import type { ReplicaSetObject } from '../replicaset/status.js';
import { TestKubelet } from '../common/test-kubelet.js';
import { DeploymentController } from './controller.js';
import type { DeploymentObject } from './replicasets.js';

const ref = (group: string, version: string, plural: string, namespaced = true): ResourceRef => ({ group, version, plural, namespaced });
const pods = ref('', 'v1', 'pods');
const replicasets = ref('apps', 'v1', 'replicasets');
const deployments = ref('apps', 'v1', 'deployments');
const events = ref('', 'v1', 'events');
const namespaces = ref('', 'v1', 'namespaces', false);

let api: MemoryApiServer;
let n = 0;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
afterAll(async () => {
  await api?.stop();
});

async function namespace(): Promise<string> {
  const name = `deploy-${++n}`;
  await api.client.resource(namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

async function startAll(ns: string, kubelet: { readyDelayMs?: number; shouldStart?: (p: PodObject) => boolean } = {}): Promise<void> {
  const informers = new SharedInformerFactory(api.client, { onError: () => {} });
  const log = pino({ level: 'silent' });
  const rsc = new ReplicaSetController({ client: api.client, informers, log });
  const dc = new DeploymentController({ client: api.client, informers, log });
  const k = new TestKubelet(api.client, { namespace: ns, ...kubelet });
  await k.start();
  const ctl = new AbortController();
  informers.start();
  const done = Promise.all([rsc.start(ctl.signal), dc.start(ctl.signal)]);
  stops.push(async () => {
    ctl.abort();
    await done;
    informers.shutdown();
    await k.stop();
    await rsc.recorder.flush();
    await dc.recorder.flush();
  });
}

function deployment(name: string, replicas: number, image = 'busybox:1', extra: Partial<DeploymentObject['spec']> = {}): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...extra,
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${JSON.stringify(last ?? '')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const getDeployment = (ns: string, name: string) => api.client.resource<DeploymentObject>(deployments).get(ns, name);
const listRS = async (ns: string) => (await api.client.resource<ReplicaSetObject>(replicasets).list(ns)).items;
const listPods = async (ns: string) =>
  (await api.client.resource<PodObject>(pods).list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);

async function complete(ns: string, name: string, generation?: number): Promise<DeploymentObject> {
  return until(`${name} complete`, async () => {
    const d = await getDeployment(ns, name);
    const s = d.status ?? {};
    const want = d.spec.replicas ?? 1;
    const cond = s.conditions?.find((c) => c.type === 'Progressing');
    const ok =
      s.observedGeneration === (generation ?? d.metadata.generation) &&
      s.updatedReplicas === want &&
      s.replicas === want &&
      s.availableReplicas === want &&
      cond?.reason === 'NewReplicaSetAvailable';
    return ok ? d : undefined;
  });
}

describe('Deployment controller', () => {
  it('rolls out a ReplicaSet named by the template hash, then a second revision', async () => {
    const ns = await namespace();
    await startAll(ns);
    await api.client.resource(deployments).create(ns, deployment('web', 3));
    const d1 = await complete(ns, 'web');
    expect(d1.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d1.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const [rs1] = await listRS(ns);
    const hash = rs1!.metadata.labels?.['pod-template-hash'];
    expect(rs1!.metadata.name).toBe(`web-${hash}`);
    expect(rs1!.spec.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs1!.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect((await listPods(ns)).every((p) => p.metadata.labels?.['pod-template-hash'] === hash)).toBe(true);

    await api.client.resource(deployments).patch(ns, 'web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic');
    const d2 = await complete(ns, 'web', 2);
    expect(d2.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const rss = await listRS(ns);
    expect(rss).toHaveLength(2);
    const old = rss.find((r) => r.metadata.name === rs1!.metadata.name)!;
    expect(old.spec.replicas).toBe(0);
    const pods2 = await listPods(ns);
    expect(pods2).toHaveLength(3);
    expect(pods2.every((p) => p.spec?.containers[0]?.image === 'busybox:2')).toBe(true);

    const scaling = await until('ScalingReplicaSet events', async () => {
      const list = (await api.client.resource<KubeObject & { reason?: string; message?: string }>(events).list(ns)).items;
      const msgs = list.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message ?? '');
      return msgs.some((m) => m === `Scaled up replica set ${rs1!.metadata.name} from 0 to 3`) ? msgs : undefined;
    });
    expect(scaling.some((m) => m.startsWith(`Scaled down replica set ${rs1!.metadata.name} from`))).toBe(true);

    // Rollback: the template of revision 1 again; its ReplicaSet becomes revision 3.
    // Rollback as kubectl rollout undo does it: the old ReplicaSet's template without its hash label.
    const previous = structuredClone(rs1!.spec.template);
    delete previous.metadata!.labels!['pod-template-hash'];
    const cur = await getDeployment(ns, 'web');
    await api.client.resource<DeploymentObject>(deployments).update(ns, { ...cur, spec: { ...cur.spec, template: previous } });
    const d3 = await complete(ns, 'web', 3);
    expect(d3.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const back = (await listRS(ns)).find((r) => r.metadata.name === rs1!.metadata.name)!;
    expect(back.spec.replicas).toBe(3);
    expect(back.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(back.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(await listRS(ns)).toHaveLength(2);
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    const ns = await namespace();
    await startAll(ns);
    await api.client.resource(deployments).create(ns, deployment('db', 2, 'busybox:1', { strategy: { type: 'Recreate' } }));
    await complete(ns, 'db');
    await api.client.resource(deployments).patch(ns, 'db', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic');
    await complete(ns, 'db', 2);
    const rss = await listRS(ns);
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 2]);
  });

  it('a paused Deployment does not roll out but still scales', async () => {
    const ns = await namespace();
    await startAll(ns);
    await api.client.resource(deployments).create(ns, deployment('p', 2));
    await complete(ns, 'p');
    await api.client.resource(deployments).patch(ns, 'p', { spec: { paused: true, template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic');
    const paused = await until('paused condition', async () => {
      const d = await getDeployment(ns, 'p');
      return d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused' ? d : undefined;
    });
    expect(paused.status?.conditions?.find((c) => c.type === 'Progressing')?.status).toBe('Unknown');
    await api.client.resource(deployments).patch(ns, 'p', { spec: { replicas: 4 } }, 'merge');
    await until('4 pods of the old template', async () => {
      const p = await listPods(ns);
      return p.length === 4 && p.every((x) => x.spec?.containers[0]?.image === 'busybox:1') ? true : undefined;
    });
    expect(await listRS(ns)).toHaveLength(1);
    await api.client.resource(deployments).patch(ns, 'p', { spec: { paused: false } }, 'merge');
    await complete(ns, 'p');
    expect((await listPods(ns)).every((x) => x.spec?.containers[0]?.image === 'busybox:2')).toBe(true);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    const ns = await namespace();
    await startAll(ns, { shouldStart: (p) => p.spec?.containers[0]?.image !== 'broken' });
    await api.client.resource(deployments).create(ns, deployment('stuck', 2, 'busybox:1', { progressDeadlineSeconds: 2 }));
    await complete(ns, 'stuck');
    await api.client.resource(deployments).patch(ns, 'stuck', { spec: { template: { spec: { containers: [{ name: 'c', image: 'broken' }] } } } }, 'strategic');
    const d = await until('timeout', async () => {
      const cur = await getDeployment(ns, 'stuck');
      return cur.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
    });
    const cond = d.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(cond?.status).toBe('False');
    expect(cond?.message).toMatch(/has timed out progressing\.$/);
    expect(d.status?.availableReplicas).toBeGreaterThanOrEqual(1);
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const ns = await namespace();
    await startAll(ns);
    await api.client.resource(deployments).create(ns, deployment('h', 1, 'busybox:1', { revisionHistoryLimit: 1 }));
    await complete(ns, 'h');
    for (const [i, image] of ['busybox:2', 'busybox:3', 'busybox:4'].entries()) {
      await api.client.resource(deployments).patch(ns, 'h', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, 'strategic');
      await complete(ns, 'h', i + 2);
    }
    const rss = await until('old ReplicaSets cleaned up', async () => {
      const list = await listRS(ns);
      return list.length === 2 ? list : undefined;
    });
    const revisions = rss.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['3', '4']);
  });

  it('spreads a resize across the ReplicaSets of a rollout in proportion to their size', async () => {
    const ns = await namespace();
    await startAll(ns, { shouldStart: (p) => p.spec?.containers[0]?.image !== 'pending' });
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } };
    await api.client.resource(deployments).create(ns, deployment('prop', 10, 'busybox:1', { strategy }));
    await complete(ns, 'prop');
    await api.client.resource(deployments).patch(ns, 'prop', { spec: { template: { spec: { containers: [{ name: 'c', image: 'pending' }] } } } }, 'strategic');
    // The rollout stalls at 8 old and 5 new pods: 13 = 10 + maxSurge, 8 = 10 - maxUnavailable available.
    await until('rollout stalled at 8 + 5', async () => {
      const sizes = (await listRS(ns)).map((r) => r.spec.replicas).sort((a, b) => (a ?? 0) - (b ?? 0));
      return JSON.stringify(sizes) === '[5,8]' ? true : undefined;
    });
    await api.client.resource(deployments).patch(ns, 'prop', { spec: { replicas: 15 } }, 'merge');
    const sizes = await until('proportional resize', async () => {
      const list = await listRS(ns);
      const s = list.map((r) => r.spec.replicas ?? 0).sort((a, b) => a - b);
      return s[0]! + s[1]! === 18 ? s : undefined;
    });
    expect(sizes).toEqual([7, 11]);
  });
});
