// The HorizontalPodAutoscaler controller against a real apiserver on etcd,
// reading pod metrics through the aggregated metrics.k8s.io API from the
// metrics server, which scrapes a fake kubelet reporting the CPU the test
// sets for every pod of the Deployment. The Deployment and ReplicaSet
// controllers run too, and a test kubelet makes pods ready. Load goes up:
// the Deployment is scaled up to maxReplicas at once; load goes down: the
// scale-down waits out the HPA's (shortened) stabilization window.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { Informer, type ResourceRef } from '../src/client/index.js';
import { ControllerManager } from '../controllers/manager.js';
import { deploymentController } from '../controllers/deployment/controller.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { horizontalPodAutoscalerController, type HPAObject } from '../controllers/podautoscaler/controller.js';
import { TestKubelet } from '../controllers/common/test-kubelet.js';
import { runSkiff } from './cli-helpers.js';
import { createNode, eventually, FakeKubelet, startMetricsPipeline, type MetricsPipeline } from './metrics-helpers.js';

const ref = (group: string, version: string, plural: string): ResourceRef => ({ group, version, plural, namespaced: true });
const deploymentsRef = ref('apps', 'v1', 'deployments');
const podsRef = ref('', 'v1', 'pods');
const hpaRef = ref('autoscaling', 'v2', 'horizontalpodautoscalers');
const eventsRef = ref('', 'v1', 'events');

let p: MetricsPipeline;
let manager: ControllerManager;
let testKubelet: TestKubelet;
let kubelet: FakeKubelet;
let pods: Informer<Pod & KubeObject>;
/** CPU each pod labelled app=web uses, in millicores */
let perPodMillicores = 0;

interface DeploymentObject extends KubeObject {
  spec: { replicas?: number };
  status?: { readyReplicas?: number };
}

function deployment(name: string): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'skiff/echo:latest', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  } as DeploymentObject;
}

function hpa(name: string, target: string, behavior?: Record<string, unknown>): HPAObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...(behavior ? { behavior } : {}),
    },
  } as HPAObject;
}

const getHpa = (name: string) => p.api.client.resource<HPAObject>(hpaRef).get('default', name);
const replicasOf = async (name: string) => (await p.api.client.resource<DeploymentObject>(deploymentsRef).get('default', name)).spec.replicas;
const condition = (h: HPAObject, type: string) => h.status?.conditions?.find((c) => c.type === type);

async function eventsFor(name: string): Promise<(Event & KubeObject)[]> {
  const list = await p.api.client.resource<Event & KubeObject>(eventsRef).list('default', { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.involvedObject?.kind === 'HorizontalPodAutoscaler');
}

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', p.api.kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Runs one skiff verb in this process against the test apiserver; what it prints. */
const skiff = async (...args: string[]) => (await runSkiff(p.api.kubeconfig, args)).out;

beforeAll(async () => {
  p = await startMetricsPipeline({ resolutionMs: 1000 });
  pods = new Informer<Pod & KubeObject>(p.api.client, podsRef, { namespace: 'default', onError: () => {} });
  pods.start();
  await pods.waitForSync();
  kubelet = new FakeKubelet(p.kubeletTls, () =>
    pods
      .list('default')
      .filter((pod) => pod.metadata.labels?.app === 'web' && !pod.metadata.deletionTimestamp)
      .map((pod) => ({
        pod: { name: pod.metadata.name ?? '', namespace: 'default', uid: pod.metadata.uid ?? '' },
        containers: { app: { nanoCores: perPodMillicores * 1_000_000, memoryBytes: 32 * 1024 * 1024 } },
      })),
  );
  await createNode(p.api.client, 'n1', await kubelet.start(), { cpu: '8', memory: '16Gi', pods: '110' });
  testKubelet = new TestKubelet(p.api.client, { namespace: 'default' });
  await testKubelet.start();
  manager = new ControllerManager({
    client: p.api.client,
    controllers: [replicaSetController(), deploymentController(), horizontalPodAutoscalerController({ syncPeriodMs: 1000 })],
    leaderElection: false,
    port: 0,
  });
  await manager.start();
}, 90_000);

afterAll(async () => {
  await manager?.stop();
  await testKubelet?.stop();
  pods?.stop();
  await kubelet?.stop();
  await p?.stop();
});

describe('HorizontalPodAutoscaler controller', () => {
  it('scales a Deployment up on CPU above target, then down after the stabilization window', async () => {
    const deployments = p.api.client.resource<DeploymentObject>(deploymentsRef);
    await deployments.create('default', deployment('web'));
    await eventually('the first pod ready', async () => ((await deployments.get('default', 'web')).status?.readyReplicas === 1 ? true : undefined));
    perPodMillicores = 200;
    await p.api.client.resource<HPAObject>(hpaRef).create('default', hpa('web', 'web', { scaleDown: { stabilizationWindowSeconds: 6 } }));

    // 200% of requests against a 50% target: 1 × 4 = 4 replicas, maxReplicas
    await eventually('the scale-up to 4', async () => ((await replicasOf('web')) === 4 ? true : undefined), 45_000);
    const up = await eventually('status of the scale-up', async () => {
      const h = await getHpa('web');
      return h.status?.currentReplicas === 4 && h.status.currentMetrics?.[0]?.resource?.current?.averageUtilization === 200 ? h : undefined;
    });
    expect(up.status).toMatchObject({ currentReplicas: 4, desiredReplicas: 4, lastScaleTime: expect.any(String) });
    expect(up.status?.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }]);
    const limited = await eventually('ScalingLimited by maxReplicas', async () => {
      const h = await getHpa('web');
      return condition(h, 'ScalingLimited')?.reason === 'TooManyReplicas' ? h : undefined;
    });
    expect(condition(limited, 'ScalingLimited')).toMatchObject({ status: 'True', message: 'the desired replica count is more than the maximum replica count' });
    expect(condition(limited, 'ScalingActive')).toMatchObject({
      status: 'True',
      reason: 'ValidMetricFound',
      message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    });
    const rescaled = await eventually('the SuccessfulRescale event', async () => (await eventsFor('web')).find((e) => e.reason === 'SuccessfulRescale'));
    expect(rescaled).toMatchObject({ type: 'Normal', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target', source: { component: 'horizontal-pod-autoscaler' } });

    // TARGETS as kubectl prints them, from both printers
    const kubectlRow = (await kubectl('get', 'hpa', 'web', '--no-headers')).trim();
    const skiffRow = (await skiff('get', 'hpa', 'web', '--no-headers')).trim();
    expect(kubectlRow).toMatch(/^web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+4\s+4\s+/);
    expect(skiffRow).toMatch(/^web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+4\s+4\s+/);

    // load drops to 10%: the recommendation is 1, held while 4 is within the window
    perPodMillicores = 10;
    const held = await eventually(
      'the scale-down held by stabilization',
      async () => {
        const h = await getHpa('web');
        return condition(h, 'AbleToScale')?.reason === 'ScaleDownStabilized' ? h : undefined;
      },
      20_000,
    );
    expect(held.status?.desiredReplicas).toBe(4);
    expect(await replicasOf('web')).toBe(4);
    await eventually('the scale-down to 1', async () => ((await replicasOf('web')) === 1 ? true : undefined), 45_000);
    const down = await eventually('the scale-down event', async () =>
      (await eventsFor('web')).find((e) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 1; reason: All metrics below target'),
    );
    expect(down.type).toBe('Normal');
    const settled = await eventually('status after the scale-down', async () => {
      const h = await getHpa('web');
      return h.status?.currentReplicas === 1 && condition(h, 'ScalingLimited')?.reason === 'DesiredWithinRange' ? h : undefined;
    });
    expect(condition(settled, 'AbleToScale')).toMatchObject({ status: 'True' });
    expect(condition(settled, 'ScalingLimited')).toMatchObject({ status: 'False' });
    // steady load, steady status: syncs every second write nothing
    const steady = await eventually('a steady status', async () => {
      const before = await getHpa('web');
      await new Promise((r) => setTimeout(r, 3000));
      const after = await getHpa('web');
      return after.metadata.resourceVersion === before.metadata.resourceVersion ? after : undefined;
    });
    expect(steady.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization).toBe(10);
  }, 150_000);

  it('reports pods without metrics and a missing target in its conditions and events', async () => {
    const deployments = p.api.client.resource<DeploymentObject>(deploymentsRef);
    await deployments.create('default', deployment('idle'));
    const hpas = p.api.client.resource<HPAObject>(hpaRef);
    await hpas.create('default', hpa('idle', 'idle'));
    await hpas.create('default', hpa('ghost', 'nothing-here'));

    const idle = await eventually('ScalingActive False on idle', async () => {
      const h = await getHpa('idle');
      return condition(h, 'ScalingActive')?.status === 'False' ? h : undefined;
    });
    expect(condition(idle, 'ScalingActive')).toMatchObject({
      reason: 'FailedGetResourceMetric',
      message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    });
    expect(condition(idle, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededGetScale' });
    expect(idle.status?.currentMetrics).toEqual([{ type: '' }]);
    const reasons = await eventually('warnings about idle', async () => {
      const r = (await eventsFor('idle')).map((e) => e.reason);
      return r.includes('FailedComputeMetricsReplicas') ? r : undefined;
    });
    expect(reasons).toContain('FailedGetResourceMetric');
    expect((await kubectl('get', 'hpa', 'idle', '--no-headers')).trim()).toMatch(/^idle\s+Deployment\/idle\s+cpu: <unknown>\/50%/);

    const ghost = await eventually('AbleToScale False on ghost', async () => {
      const h = await getHpa('ghost');
      return condition(h, 'AbleToScale')?.status === 'False' ? h : undefined;
    });
    expect(condition(ghost, 'AbleToScale')).toMatchObject({
      reason: 'FailedGetScale',
      message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "nothing-here" not found',
    });
    expect((await eventsFor('ghost')).map((e) => e.reason)).toContain('FailedGetScale');
  }, 60_000);
});
