// Real kubectl's typed commands against skiff. kubectl's typed clientset
// sends request bodies as application/vnd.kubernetes.protobuf: create
// namespace/deployment/configmap/secret/service/job/cronjob/pdb, autoscale
// (an autoscaling/v1 HorizontalPodAutoscaler), drain --disable-eviction (a
// protobuf DeleteOptions). What the apiserver stores must be what kubectl
// meant: the same object its JSON twin (`--dry-run=client -o json` sent
// through `kubectl create -f`) stores. The apiserver runs in this process, so
// kubectl is always run asynchronously.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import type { ResourceRef } from '../src/client/index.js';
import { deploymentController } from '../controllers/deployment/controller.js';
import { replicaSetController } from '../controllers/replicaset/controller.js';
import { controllerTestEnv, ref } from './harness/controllers.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
/** The other kubectl releases on the machine, beside the default one. */
const OTHER_KUBECTLS = ['27', '28', '29', '30', '31', '33']
  .map((minor) => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`)
  .filter((path) => existsSync(path));

const refs = {
  namespaces: ref('', 'v1', 'namespaces', false),
  nodes: ref('', 'v1', 'nodes', false),
  pods: ref('', 'v1', 'pods'),
  configmaps: ref('', 'v1', 'configmaps'),
  secrets: ref('', 'v1', 'secrets'),
  services: ref('', 'v1', 'services'),
  deployments: ref('apps', 'v1', 'deployments'),
  replicasets: ref('apps', 'v1', 'replicasets'),
  jobs: ref('batch', 'v1', 'jobs'),
  cronjobs: ref('batch', 'v1', 'cronjobs'),
  hpas: ref('autoscaling', 'v2', 'horizontalpodautoscalers'),
};

const s = controllerTestEnv({ controllers: [replicaSetController(), deploymentController()] });

async function kubectl(...args: string[]): Promise<string> {
  return (await run(KUBECTL, ['--kubeconfig', s.kubeconfig, ...args], { timeout: 60_000 })).stdout;
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded`);
}

const get = (r: ResourceRef, name: string, ns: string | undefined = 'default') => s.client.resource(r).get(ns, name);

/** What identifies one stored object, or what a controller added since: set aside to compare two. */
function meaning(obj: KubeObject, name: string): unknown {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, name: _n, managedFields: _m, annotations, ...metadata } = obj.metadata;
  const own = Object.entries(annotations ?? {}).filter(([k]) => !k.startsWith('deployment.kubernetes.io/'));
  if (own.length > 0) Object.assign(metadata, { annotations: Object.fromEntries(own) });
  const { status: _s, ...rest } = obj as KubeObject & { status?: unknown };
  return JSON.parse(JSON.stringify({ ...rest, metadata }).replaceAll(name, 'NAME'));
}

/**
 * Runs `kubectl create <args>` (protobuf), then the same command's JSON twin
 * under another name, and returns both stored objects with names set aside.
 */
async function createWithTwin(r: ResourceRef, name: string, args: string[]): Promise<{ proto: unknown; json: unknown }> {
  await kubectl('create', ...args.map((a) => (a === '@NAME' ? name : a)));
  const twin = `${name}-twin`;
  const manifest = await kubectl('create', ...args.map((a) => (a === '@NAME' ? twin : a)), '--dry-run=client', '-o', 'json');
  const file = join(s.kubeconfig, '..', `${twin}.json`);
  writeFileSync(file, manifest);
  await kubectl('create', '-f', file);
  return { proto: meaning(await get(r, name), name), json: meaning(await get(r, twin), twin) };
}

describe('kubectl typed commands over protobuf', () => {
  it('creates a namespace', async () => {
    expect(await kubectl('create', 'namespace', 'demo')).toBe('namespace/demo created\n');
    const ns = await get(refs.namespaces, 'demo', undefined);
    expect(ns.metadata.name).toBe('demo');
    expect((ns.status as { phase?: string }).phase).toBe('Active');
  });

  it('creates a deployment that stores the same as its JSON twin', async () => {
    const { proto, json } = await createWithTwin(refs.deployments, 'nginx-deployment', ['deployment', '@NAME', '--image=nginx:1.9.1']);
    expect(proto).toEqual(json);
    expect(proto).toMatchObject({
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'NAME' } },
        template: { metadata: { labels: { app: 'NAME' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.9.1' }] } },
      },
    });
  });

  it('keeps an explicit zero and ports of a deployment', async () => {
    const { proto, json } = await createWithTwin(refs.deployments, 'zero', ['deployment', '@NAME', '--image=busybox', '--replicas=0', '--port=8080']);
    expect(proto).toEqual(json);
    expect(proto).toMatchObject({ spec: { replicas: 0, template: { spec: { containers: [{ ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } } } });
  });

  it('autoscales a deployment with an autoscaling/v1 HorizontalPodAutoscaler that kubectl get hpa lists', async () => {
    expect(await kubectl('autoscale', 'deployment', 'nginx-deployment', '--min=10', '--max=15', '--cpu-percent=80')).toBe(
      'horizontalpodautoscaler.autoscaling/nginx-deployment autoscaled\n',
    );
    const hpa = await get(refs.hpas, 'nginx-deployment');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx-deployment' },
      minReplicas: 10,
      maxReplicas: 15,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    const table = (await kubectl('get', 'hpa')).trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(table[0]).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(table[1]!.slice(0, 5)).toEqual(['nginx-deployment', 'Deployment/nginx-deployment', 'cpu: <unknown>/80%', '10', '15']);
    const v1 = JSON.parse(await kubectl('get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/nginx-deployment'));
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(80);
  });

  it('creates a configmap and a secret from literals', async () => {
    const cm = await createWithTwin(refs.configmaps, 'cfg', ['configmap', '@NAME', '--from-literal=a=b']);
    expect(cm.proto).toEqual(cm.json);
    expect(cm.proto).toMatchObject({ data: { a: 'b' } });
    const secret = await createWithTwin(refs.secrets, 'creds', ['secret', 'generic', '@NAME', '--from-literal=a=b']);
    expect(secret.proto).toEqual(secret.json);
    expect(secret.proto).toMatchObject({ type: 'Opaque', data: { a: Buffer.from('b').toString('base64') } });
  });

  it('creates services, and exposes a deployment', async () => {
    const cip = await createWithTwin(refs.services, 'svc', ['service', 'clusterip', '@NAME', '--tcp=80:8080']);
    const drop = (o: unknown) => {
      const spec = (o as { spec: Record<string, unknown> }).spec;
      const { clusterIP: _a, clusterIPs: _b, ...rest } = spec;
      return { ...(o as object), spec: rest };
    };
    expect(drop(cip.proto)).toEqual(drop(cip.json));
    expect(cip.proto).toMatchObject({ spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    await kubectl('create', 'service', 'nodeport', 'np', '--tcp=81:8081');
    expect((await get(refs.services, 'np')).spec).toMatchObject({ type: 'NodePort', ports: [{ port: 81, targetPort: 8081 }] });
    await kubectl('create', 'deployment', 'web', '--image=nginx');
    expect(await kubectl('expose', 'deployment', 'web', '--port', '80')).toBe('service/web exposed\n');
    expect((await get(refs.services, 'web')).spec).toMatchObject({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });
  });

  it('creates a job, a cronjob, and a job from the cronjob', async () => {
    await kubectl('create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi');
    const job = await get(refs.jobs, 'once');
    expect(job.spec).toMatchObject({
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox', command: ['echo', 'hi'] }] } },
    });
    const cj = await createWithTwin(refs.cronjobs, 'tick', ['cronjob', '@NAME', '--image=busybox', '--schedule=*/5 * * * *']);
    expect(cj.proto).toEqual(cj.json);
    // The Job kubectl builds from the stored CronJob carries every defaulted field of its pod template.
    await kubectl('create', 'job', 'manual', '--from=cronjob/tick');
    const manual = await get(refs.jobs, 'manual');
    expect(manual.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(manual.spec).toMatchObject({
      template: { spec: { restartPolicy: 'OnFailure', terminationGracePeriodSeconds: 30, containers: [{ name: 'tick', image: 'busybox' }] } },
    });
  });

  it('works the same for the other kubectl releases', async () => {
    for (const bin of OTHER_KUBECTLS) {
      const name = `v${bin.slice(-2)}`;
      const k = async (...args: string[]) => (await run(bin, ['--kubeconfig', s.kubeconfig, ...args], { timeout: 60_000 })).stdout;
      await k('create', 'deployment', name, '--image=busybox', '--replicas=2');
      await k('create', 'configmap', name, '--from-literal=release=' + name);
      await k('autoscale', 'deployment', name, '--max=4', '--cpu-percent=60');
      expect((await get(refs.deployments, name)).spec, bin).toMatchObject({ replicas: 2 });
      expect((await get(refs.configmaps, name)) as unknown, bin).toMatchObject({ data: { release: name } });
      expect((await get(refs.hpas, name)).spec, bin).toMatchObject({
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 60 } } }],
      });
    }
  });

  it('answers NotFound, not a decoding error, for a resource skiff does not serve', async () => {
    const err = await kubectlFails('create', 'quota', 'q', '--hard=pods=1');
    expect(err).toContain('the server could not find the requested resource');
    expect(err).not.toContain('UnsupportedMediaType');
  });

  it('drains a node, deleting its pods with protobuf DeleteOptions', async () => {
    await s.client.resource(refs.nodes).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await s.client.resource(refs.pods).create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'standalone' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
    });
    // --grace-period=0 reaches the server only as the DeleteOptions' pointer zero.
    await kubectl('drain', 'n1', '--ignore-daemonsets', '--force', '--disable-eviction', '--grace-period=0', '--timeout=30s');
    expect((await get(refs.nodes, 'n1', undefined)).spec).toMatchObject({ unschedulable: true });
    await expect(get(refs.pods, 'standalone')).rejects.toMatchObject({ code: 404 });
  });

  it('drains a node through evictions', async () => {
    await s.client.resource(refs.nodes).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await s.client.resource(refs.pods).create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'evictee' },
      spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'busybox' }] },
    });
    const out = await kubectl('drain', 'n2', '--ignore-daemonsets', '--force', '--grace-period=0', '--timeout=30s');
    expect(out).toContain('pod/evictee evicted');
    await expect(get(refs.pods, 'evictee')).rejects.toMatchObject({ code: 404 });
  });

  it('rolls a deployment back onto its earlier ReplicaSet with kubectl rollout undo', async () => {
    // Created from a manifest, the templates carry no creationTimestamp; the undo's template carries it as null.
    const file = join(s.kubeconfig, '..', 'undo.yaml');
    writeFileSync(
      file,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: undo}\nspec:\n  selector: {matchLabels: {app: undo}}\n' +
        '  template:\n    metadata: {labels: {app: undo}}\n    spec: {containers: [{name: busybox, image: "busybox:1"}]}\n',
    );
    await kubectl('apply', '-f', file);
    const replicaSets = async () => (await s.client.resource(refs.replicasets).list('default', { labelSelector: 'app=undo' })).items;
    await expect.poll(async () => (await replicaSets()).length, { timeout: 20_000 }).toBe(1);
    const first = (await replicaSets())[0]!.metadata.name;
    await kubectl('set', 'image', 'deployment/undo', 'busybox=busybox:2');
    await expect.poll(async () => (await replicaSets()).length, { timeout: 20_000 }).toBe(2);
    await kubectl('rollout', 'undo', 'deployment/undo');
    await expect
      .poll(async () => (await replicaSets()).find((rs) => rs.metadata.name === first)?.metadata.annotations?.['deployment.kubernetes.io/revision'], {
        timeout: 20_000,
      })
      .toBe('3');
    expect((await replicaSets()).map((rs) => rs.metadata.name).sort()).toHaveLength(2);
  });
});
