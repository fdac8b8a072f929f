// skiff describe, rollout and autoscale against a real apiserver on real etcd
// with the Deployment and ReplicaSet controllers running and a test kubelet
// making pods ready: one Deployment taken through a rolling update, history,
// undo, pause and resume, restart and an autoscaler that real kubectl lists.
// The CLI runs in-process, one verb at a time; kubectl runs asynchronously.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { deploymentController } from '../controllers/deployment/controller.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import type { DeploymentObject } from '../controllers/deployment/replicasets.js';
import type { ReplicaSetObject } from '../controllers/replicaset/status.js';
import type { PodObject } from '../controllers/replicaset/pods.js';
import { TestKubelet, type TestKubeletOptions } from '../controllers/common/test-kubelet.js';
import { runSkiff } from './cli-helpers.js';
import { controllerTestEnv, ref } from './harness/controllers.js';
import { until as poll } from './harness/until.js';

const run = promisify(execFile);
const deploymentsRef = ref('apps', 'v1', 'deployments');
const replicaSetsRef = ref('apps', 'v1', 'replicasets');
const podsRef = ref('', 'v1', 'pods');

const s = controllerTestEnv({ namespacePrefix: 'cli-rollout', controllers: [replicaSetController(), deploymentController()] });
const kubelets: TestKubelet[] = [];

afterAll(async () => {
  for (const k of kubelets) await k.stop();
});

/** Runs one skiff verb in this process against the test apiserver. */
const skiff = (...args: string[]) => runSkiff(s.kubeconfig, args);

async function kubectl(...args: string[]): Promise<string> {
  return (await run('/usr/bin/kubectl', ['--kubeconfig', s.kubeconfig, ...args], { timeout: 30_000 })).stdout;
}

/** Rollouts take their time. */
const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000) => poll(what, fn, timeoutMs);

/** A new namespace with a test kubelet of its own, kept for the whole file. */
async function namespace(kubelet: TestKubeletOptions = {}): Promise<string> {
  const name = await s.namespace();
  const k = new TestKubelet(s.client, { namespace: name, readyDelayMs: 200, ...kubelet });
  await k.start();
  kubelets.push(k);
  return name;
}

const deployments = () => s.client.resource<DeploymentObject>(deploymentsRef);
const replicaSets = () => s.client.resource<ReplicaSetObject>(replicaSetsRef);
const pods = () => s.client.resource<PodObject>(podsRef);
const imageOf = (t: { spec?: { containers: { image?: string }[] } } | undefined) => t?.spec?.containers[0]?.image;

function deployment(name: string, image: string, extra: Partial<DeploymentObject['spec']> = {}): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      ...extra,
    },
  };
}

const setImage = (ns: string, name: string, image: string) =>
  deployments().patch(ns, name, { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } }, 'strategic');

/** skiff rollout status, which returns once the rollout is done. */
async function rolloutDone(ns: string, name: string): Promise<string> {
  const r = await skiff('rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=60s');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out.endsWith(`deployment "${name}" successfully rolled out\n`)).toBe(true);
  return r.out;
}

const liveImages = async (ns: string): Promise<string[]> =>
  (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => imageOf(p) ?? '');

describe('skiff describe, rollout and autoscale', () => {
  it('follows a deployment through update, history, undo, pause, resume and restart', async () => {
    const ns = await namespace();
    await deployments().create(ns, deployment('web', 'skiff/echo:1'));
    await rolloutDone(ns, 'web');

    const described = await skiff('describe', 'deployment', 'web', '-n', ns);
    expect(described.code).toBe(0);
    const firstRS = (await replicaSets().list(ns)).items[0]!;
    const text = described.out;
    expect(text).toMatch(/^Name:\s+web$/m);
    expect(text).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    expect(text).toMatch(/^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    expect(text).toMatch(/^    Image:\s+skiff\/echo:1$/m);
    expect(text).toMatch(/^  Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(text).toMatch(new RegExp(`^NewReplicaSet:\\s+${firstRS.metadata.name} \\(3/3 replicas created\\)$`, 'm'));
    expect(text).toMatch(/^OldReplicaSets:\s+<none>$/m);
    expect(text).toMatch(/^Events:\n  Type\s+Reason\s+Age\s+From\s+Message$/m);
    expect(text).toMatch(new RegExp(`^  Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${firstRS.metadata.name} from 0 to 3$`, 'm'));

    // A rolling update, followed live.
    await setImage(ns, 'web', 'skiff/echo:2');
    const status = await rolloutDone(ns, 'web');
    expect(status).toMatch(/^Waiting for deployment "web" rollout to finish: /m);
    expect(await liveImages(ns)).toEqual(['skiff/echo:2', 'skiff/echo:2', 'skiff/echo:2']);

    const history = await skiff('rollout', 'history', 'deployment/web', '-n', ns);
    expect(history.out).toBe('deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    const rev1 = await skiff('rollout', 'history', 'deployment', 'web', '--revision=1', '-n', ns);
    expect(rev1.out).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:\n/);
    expect(rev1.out).toContain('    Image:\tskiff/echo:1\n');

    // Undo goes back to revision 1's template, which becomes revision 3.
    expect((await skiff('rollout', 'undo', 'deployment/web', '-n', ns)).out).toBe('deployment.apps/web rolled back\n');
    await rolloutDone(ns, 'web');
    let d = await deployments().get(ns, 'web');
    expect(imageOf(d.spec.template)).toBe('skiff/echo:1');
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web' });
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(await liveImages(ns)).toEqual(['skiff/echo:1', 'skiff/echo:1', 'skiff/echo:1']);
    expect((await skiff('rollout', 'history', 'deployment/web', '-n', ns)).out).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );

    // --to-revision picks a revision, and undoing to the running one does nothing.
    expect((await skiff('rollout', 'undo', 'deployment/web', '--to-revision=2', '-n', ns)).out).toBe('deployment.apps/web rolled back\n');
    await rolloutDone(ns, 'web');
    expect(imageOf((await deployments().get(ns, 'web')).spec.template)).toBe('skiff/echo:2');
    expect((await skiff('rollout', 'undo', 'deployment/web', '--to-revision=4', '-n', ns)).out).toBe(
      'deployment.apps/web skipped rollback (current template already matches revision 4)\n',
    );
    const missing = await skiff('rollout', 'undo', 'deployment/web', '--to-revision=9', '-n', ns);
    expect(missing).toMatchObject({ code: 1, err: 'error: unable to find specified revision 9 in history\n' });

    // Pause: a new template is accepted but not rolled out until resume.
    expect((await skiff('rollout', 'pause', 'deployment/web', '-n', ns)).out).toBe('deployment.apps/web paused\n');
    expect(await skiff('rollout', 'pause', 'deployment/web', '-n', ns)).toMatchObject({
      code: 1,
      err: 'error: deployments.apps "web" is already paused\n',
    });
    await setImage(ns, 'web', 'skiff/echo:3');
    await until('the paused deployment observed', async () => {
      const cur = await deployments().get(ns, 'web');
      return (cur.status?.observedGeneration ?? 0) >= (cur.metadata.generation ?? 0) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await replicaSets().list(ns)).items.some((rs) => imageOf(rs.spec.template) === 'skiff/echo:3')).toBe(false);
    const waiting = await skiff('rollout', 'status', 'deployment/web', '--watch=false', '-n', ns);
    expect(waiting.out).toBe('Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...\n');
    expect(await liveImages(ns)).toEqual(['skiff/echo:2', 'skiff/echo:2', 'skiff/echo:2']);
    expect((await skiff('rollout', 'restart', 'deployment/web', '-n', ns)).err).toBe(
      'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n',
    );

    expect((await skiff('rollout', 'resume', 'deployment/web', '-n', ns)).out).toBe('deployment.apps/web resumed\n');
    await rolloutDone(ns, 'web');
    expect(await liveImages(ns)).toEqual(['skiff/echo:3', 'skiff/echo:3', 'skiff/echo:3']);

    // Restart: the same image, a new ReplicaSet stamped with restartedAt.
    const before = new Set((await replicaSets().list(ns)).items.map((rs) => rs.metadata.uid));
    expect((await skiff('rollout', 'restart', 'deployment/web', '-n', ns)).out).toBe('deployment.apps/web restarted\n');
    await rolloutDone(ns, 'web');
    const created = (await replicaSets().list(ns)).items.filter((rs) => !before.has(rs.metadata.uid));
    expect(created).toHaveLength(1);
    expect(created[0]!.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(imageOf(created[0]!.spec.template)).toBe('skiff/echo:3');
    d = await deployments().get(ns, 'web');
    expect((await skiff('describe', 'deploy/web', '-n', ns)).out).toMatch(
      new RegExp(`^NewReplicaSet:\\s+${created[0]!.metadata.name} \\(3/3 replicas created\\)$`, 'm'),
    );
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('6');
  });

  it('describes pods by name prefix and selector, and reports what is missing', async () => {
    const ns = await namespace();
    await deployments().create(ns, deployment('api', 'skiff/echo:1', { replicas: 2 }));
    await rolloutDone(ns, 'api');
    const [pod] = (await pods().list(ns)).items;
    const rs = (await replicaSets().list(ns)).items[0]!;

    const byPrefix = await skiff('describe', 'pods', 'api-', '-n', ns);
    expect(byPrefix.code).toBe(0);
    expect(byPrefix.out.match(/^Name:\s+api-/gm)).toHaveLength(2);
    expect(byPrefix.out).toMatch(new RegExp(`^Controlled By:\\s+ReplicaSet/${rs.metadata.name}$`, 'm'));
    expect(byPrefix.out).toMatch(/^Status:\s+Running$/m);
    expect(byPrefix.out).toMatch(/^    State:\s+Running$/m);

    const bySelector = await skiff('describe', 'pods', '-l', 'app=api', '-n', ns);
    expect(bySelector.out.split('\n\n\nName:')).toHaveLength(2);

    const single = await skiff('describe', `pod/${pod!.metadata.name}`, '-n', ns);
    expect(single.out).toMatch(new RegExp(`^Name:\\s+${pod!.metadata.name}$`, 'm'));
    expect(single.out).toMatch(/^Events:\s+<none>$/m);

    const rsText = await skiff('describe', 'rs', rs.metadata.name!, '-n', ns);
    expect(rsText.out).toMatch(/^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(rsText.out).toMatch(/^Controlled By:\s+Deployment\/api$/m);

    expect(await skiff('describe', 'deployment', 'nope', '-n', ns)).toMatchObject({
      code: 1,
      out: '',
      err: 'Error from server (NotFound): deployments.apps "nope" not found\n',
    });
    expect(await skiff('describe', 'configmaps', '-l', 'app=none', '-n', ns)).toMatchObject({ code: 0, err: `No resources found in ${ns} namespace.\n` });
  });

  it('ends rollout status with the progress deadline error for a rollout that cannot finish', async () => {
    const ns = await namespace({ shouldStart: (p) => imageOf(p) !== 'skiff/echo:broken' });
    await deployments().create(ns, deployment('stuck', 'skiff/echo:1', { replicas: 2, progressDeadlineSeconds: 2 }));
    await rolloutDone(ns, 'stuck');
    await setImage(ns, 'stuck', 'skiff/echo:broken');
    const r = await skiff('rollout', 'status', 'deployment/stuck', '-n', ns, '--timeout=60s');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Waiting for deployment "stuck" rollout to finish: \d out of 2 new replicas have been updated\.\.\.$/m);
    expect(r.err).toBe('error: deployment "stuck" exceeded its progress deadline\n');

    const missing = await skiff('rollout', 'status', 'deployment/nothere', '-n', ns);
    expect(missing.err).toBe('Error from server (NotFound): deployments.apps "nothere" not found\n');
  });

  it('creates an autoscaling/v2 HPA that kubectl lists and skiff describes', async () => {
    const ns = await namespace();
    await deployments().create(ns, deployment('web', 'skiff/echo:1', { replicas: 1 }));
    const r = await skiff('autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=60', '-n', ns);
    expect(r).toMatchObject({ code: 0, out: 'horizontalpodautoscaler.autoscaling/web autoscaled\n', err: '' });

    const hpa = await s.client.resource<KubeObject>(ref('autoscaling', 'v2', 'horizontalpodautoscalers')).get(ns, 'web');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });

    const table = (await kubectl('get', 'hpa', '-n', ns)).trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(table[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(table[1]!.slice(0, 2)).toEqual(['web', 'Deployment/web']);
    expect(table[1]!.slice(3, 5)).toEqual(['2', '5']);

    const described = await skiff('describe', 'hpa', 'web', '-n', ns);
    expect(described.out).toMatch(/^Reference:\s+Deployment\/web$/m);
    expect(described.out).toMatch(/^  resource cpu on pods  \(as a percentage of request\):\s+<unknown> \/ 60%$/m);
    expect(described.out).toMatch(/^Max replicas:\s+5$/m);

    expect(await skiff('autoscale', 'deployment', 'web', '--max=5', '-n', ns)).toMatchObject({
      code: 1,
      err: 'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "web" already exists\n',
    });
    expect(await skiff('autoscale', 'deployment', 'web', '--min=3', '--max=2', '-n', ns)).toMatchObject({
      code: 1,
      err: 'error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n',
    });
  });
});
