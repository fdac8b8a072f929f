// The Deployment and ReplicaSet controllers behind the controller-manager's
// leader election, against a real apiserver on a real etcd, with a test
// kubelet marking pods ready: a rolling update that keeps within maxSurge and
// maxUnavailable at every pod event, rollback, a stuck rollout reported by
// its progress deadline, and a rollout finished by a second controller-manager
// after the first one dies mid-way.
import { describe, expect, it } from 'vitest';
import type { Event } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { deploymentController } from '../controllers/deployment/controller.js';
import type { DeploymentObject } from '../controllers/deployment/replicasets.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import type { ReplicaSetObject } from '../controllers/replicaset/status.js';
import type { TestKubeletOptions } from '../controllers/common/test-kubelet.js';
import { controllerTestEnv, fastElection, ref } from './harness/controllers.js';
import { until as poll } from './harness/until.js';

const podsRef = ref('', 'v1', 'pods');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');
const deploymentsRef = ref('apps', 'v1', 'deployments');
const eventsRef = ref('', 'v1', 'events');

const s = controllerTestEnv({ namespacePrefix: 'deploy-it' });

/** A controller-manager with its own connection, so that closing it is as abrupt as the process dying. */
const startManager = (identity: string) =>
  s.startManager({ controllers: [replicaSetController(), deploymentController()], leaderElection: { ...fastElection, identity }, ownClient: true });

const startKubelet = (ns: string, opts: TestKubeletOptions = {}) => s.startKubelet({ namespace: ns, ...opts });

/** Rollouts take their time. */
const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000) => poll(what, fn, timeoutMs);

const deployments = () => s.client.resource<DeploymentObject>(deploymentsRef);
const replicaSets = () => s.client.resource<ReplicaSetObject>(replicaSetsRef);
const pods = () => s.client.resource<PodObject>(podsRef);
const imageOf = (p: PodObject) => p.spec?.containers[0]?.image;
const isReady = (p: PodObject) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function deployment(name: string, replicas: number, extra: Partial<DeploymentObject['spec']> = {}): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'busybox:1' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...extra,
    },
  };
}

async function complete(ns: string, name: string, generation: number, timeoutMs = 30_000): Promise<DeploymentObject> {
  return until(
    `${name} generation ${generation} complete`,
    async () => {
      const d = await deployments().get(ns, name);
      const st = d.status ?? {};
      const want = d.spec.replicas ?? 1;
      const progress = st.conditions?.find((c) => c.type === 'Progressing');
      return st.observedGeneration === generation &&
        st.replicas === want &&
        st.updatedReplicas === want &&
        st.availableReplicas === want &&
        progress?.reason === 'NewReplicaSetAvailable'
        ? d
        : undefined;
    },
    timeoutMs,
  );
}

/** Every pod event of a namespace, folded into the set of pods that exist, with a check run at each event. */
class PodWatch {
  readonly pods = new Map<string, PodObject>();
  maxPods = 0;
  minAvailable = Number.POSITIVE_INFINITY;
  events = 0;
  private readonly ctl = new AbortController();

  async start(ns: string): Promise<void> {
    const list = await pods().list(ns);
    for (const p of list.items) this.pods.set(p.metadata.uid ?? '', p);
    this.check();
    const rv = list.metadata.resourceVersion ?? '0';
    void (async () => {
      for await (const ev of pods().watch(ns, { resourceVersion: rv, signal: this.ctl.signal })) {
        if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
        if (ev.type === 'DELETED') this.pods.delete(ev.object.metadata.uid ?? '');
        else this.pods.set(ev.object.metadata.uid ?? '', ev.object);
        this.events++;
        this.check();
      }
    })().catch(() => {});
    s.afterTest(async () => this.ctl.abort());
  }

  private check(): void {
    const all = [...this.pods.values()];
    this.maxPods = Math.max(this.maxPods, all.length);
    this.minAvailable = Math.min(this.minAvailable, all.filter((p) => isReady(p) && !p.metadata.deletionTimestamp).length);
  }

  live(): PodObject[] {
    return [...this.pods.values()].filter((p) => !p.metadata.deletionTimestamp);
  }
}

describe('Deployment controller (etcd)', () => {
  it('rolls 10 replicas with 25%/25% never above 13 pods nor below 8 available', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { readyDelayMs: 150 });
    await startManager('cm-a');
    await deployments().create(ns, deployment('web', 10));
    await complete(ns, 'web', 1);
    const watch = new PodWatch();
    await watch.start(ns);
    await deployments().patch(ns, 'web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'busybox:2' }] } } } }, 'strategic');
    const d = await complete(ns, 'web', 2);
    await until('the watch to see the end state', async () => {
      const live = watch.live();
      return live.length === 10 && live.every((p) => imageOf(p) === 'busybox:2' && isReady(p)) ? true : undefined;
    });
    expect(watch.events).toBeGreaterThan(20);
    expect(watch.maxPods).toBeLessThanOrEqual(13);
    expect(watch.minAvailable).toBeGreaterThanOrEqual(8);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status).toMatchObject({ replicas: 10, updatedReplicas: 10, readyReplicas: 10, availableReplicas: 10, unavailableReplicas: 0 });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });

    const events = (await s.client.resource<Event & KubeObject>(eventsRef).list(ns)).items.filter(
      (e) => e.involvedObject?.kind === 'Deployment' && e.reason === 'ScalingReplicaSet',
    );
    expect(events.every((e) => e.source?.component === 'deployment-controller')).toBe(true);
    const rss = (await replicaSets().list(ns)).items;
    const newRS = rss.find((r) => r.spec.replicas === 10)!;
    expect(events.map((e) => e.message)).toContain(`Scaled up replica set ${newRS.metadata.name} from 0 to 3`);
  });

  it('rolls back to the previous template, whose ReplicaSet takes the next revision', async () => {
    const ns = await s.namespace();
    await startKubelet(ns);
    await startManager('cm-b');
    await deployments().create(ns, deployment('app', 3));
    await complete(ns, 'app', 1);
    const [first] = (await replicaSets().list(ns)).items;
    await deployments().patch(ns, 'app', { spec: { template: { spec: { containers: [{ name: 'app', image: 'busybox:2' }] } } } }, 'strategic');
    await complete(ns, 'app', 2);

    // What kubectl rollout undo sends: the earlier ReplicaSet's template without its hash label.
    const template = structuredClone(first!.spec.template);
    delete template.metadata!.labels!['pod-template-hash'];
    const cur = await deployments().get(ns, 'app');
    await deployments().update(ns, { ...cur, spec: { ...cur.spec, template } });
    const d = await complete(ns, 'app', 3);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const rss = (await replicaSets().list(ns)).items;
    expect(rss).toHaveLength(2);
    const restored = rss.find((r) => r.metadata.uid === first!.metadata.uid)!;
    expect(restored.spec.replicas).toBe(3);
    expect(restored.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const live = (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(live).toHaveLength(3);
    expect(live.every((p) => imageOf(p) === 'busybox:1' && p.metadata.labels?.['pod-template-hash'] === first!.metadata.labels?.['pod-template-hash'])).toBe(true);
  });

  it('reports ProgressDeadlineExceeded for a rollout whose pods never become ready', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { shouldStart: (p) => imageOf(p) !== 'busybox:broken' });
    await startManager('cm-c');
    await deployments().create(ns, deployment('stuck', 4, { progressDeadlineSeconds: 2 }));
    await complete(ns, 'stuck', 1);
    await deployments().patch(ns, 'stuck', { spec: { template: { spec: { containers: [{ name: 'app', image: 'busybox:broken' }] } } } }, 'strategic');
    const d = await until('ProgressDeadlineExceeded', async () => {
      const cur = await deployments().get(ns, 'stuck');
      const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
    });
    const progressing = d.status?.conditions?.find((x) => x.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False' });
    expect(progressing?.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    // The old pods keep serving: no more than maxUnavailable (1 of 4) went away.
    expect(d.status?.availableReplicas).toBeGreaterThanOrEqual(3);
    expect(d.status?.conditions?.find((x) => x.type === 'Available')?.status).toBe('True');
  });

  it('a second controller-manager finishes a rollout the first one died in, with no duplicate or lost pods', async () => {
    const ns = await s.namespace();
    await startKubelet(ns, { readyDelayMs: 400 });
    const first = await startManager('cm-dies');
    await deployments().create(ns, deployment('api', 8));
    await complete(ns, 'api', 1);
    const watch = new PodWatch();
    await watch.start(ns);
    await deployments().patch(ns, 'api', { spec: { template: { spec: { containers: [{ name: 'app', image: 'busybox:2' }] } } } }, 'strategic');
    await until('the rollout under way', async () => (watch.live().filter((p) => imageOf(p) === 'busybox:2').length >= 2 ? true : undefined));
    // Dies: its connections go at once and it never hands the lease back.
    await first.client.close();
    await first.manager.stop();
    expect(watch.live().some((p) => imageOf(p) === 'busybox:1')).toBe(true);

    const second = await startManager('cm-takes-over');
    await until('the new leader', async () => (second.manager.isLeader() ? true : undefined), 15_000);
    await complete(ns, 'api', 2);
    const live = await until('8 new pods', async () => {
      const l = watch.live();
      return l.length === 8 && l.every((p) => imageOf(p) === 'busybox:2' && isReady(p)) ? l : undefined;
    });
    expect(watch.maxPods).toBeLessThanOrEqual(10);
    expect(watch.minAvailable).toBeGreaterThanOrEqual(6);
    const rss = (await replicaSets().list(ns)).items;
    expect(rss).toHaveLength(2);
    const newRS = rss.find((r) => r.spec.replicas === 8)!;
    expect(live.every((p) => p.metadata.ownerReferences?.[0]?.uid === newRS.metadata.uid)).toBe(true);
    expect(new Set(live.map((p) => p.metadata.name)).size).toBe(8);
    await new Promise((r) => setTimeout(r, 500));
    expect(watch.live()).toHaveLength(8);
  });
});
