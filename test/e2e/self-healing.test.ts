// What the cluster repairs by itself, on a real 2-node cluster on Docker
// started by `skiff up`: a killed container, a removed pod sandbox, a node
// that stops answering, and a control-plane process killed in the middle of
// a rolling update. Node failure is made quick with the flags a user would
// pass (node-monitor grace 8 s, pods tolerating an unreachable node for 5 s,
// kubelets renewing their lease every 2 s and reporting status every 10 s).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, eventually, MANIFESTS, printDiagnosticsOnFailure, signal, startCluster, type E2ECluster } from './cluster.js';
import { isServing, pods, servingPods, type Deployment, type List, type Named, type Pod } from './objects.js';

const NET = 12;

let cluster: E2ECluster | undefined;
const c = (): E2ECluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};
/** a kubelet this file froze; always resumed before the cluster goes down */
let frozen: number | undefined;

async function ok(args: string[]): Promise<string> {
  const res = await c().skiff(...args);
  expect(res.code, `skiff ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.stdout;
}

/** ids of the pod's running Docker containers of one kind: its app containers or its sandbox */
async function containersOf(pod: Pod, type: 'container' | 'sandbox'): Promise<string[]> {
  const res = await docker('ps', '-q', '--no-trunc', '--filter', `label=io.kubernetes.pod.uid=${pod.metadata.uid}`, '--filter', `label=io.skiff.type=${type}`);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.split('\n').filter(Boolean);
}

async function podByUID(uid: string): Promise<Pod | undefined> {
  return (await pods(c(), 'app=web')).find((p) => p.metadata.uid === uid);
}

function componentPid(name: string): number {
  const pid = c().state().components.find((x) => x.name === name)?.pid;
  if (!pid) throw new Error(`no running ${name} in cluster.json`);
  return pid;
}

type Node = Named & { status?: { conditions?: { type: string; status: string }[] } };
const nodeReady = async (name: string): Promise<string | undefined> =>
  (await c().json<Node>('get', 'node', name)).status?.conditions?.find((x) => x.type === 'Ready')?.status;

describe('self-healing on a 2-node Docker cluster', () => {
  printDiagnosticsOnFailure(() => cluster);

  beforeAll(async () => {
    cluster = await startCluster({
      net: NET,
      extra: [
        '--controller-manager-arg=--node-monitor-grace-period=8s',
        '--controller-manager-arg=--node-monitor-period=1s',
        '--apiserver-arg=--default-unreachable-toleration-seconds=5',
        '--apiserver-arg=--default-not-ready-toleration-seconds=5',
        '--kubelet-arg=--node-lease-renew-interval=2s',
        // a resumed kubelet rewrites its Ready condition at its next full report
        '--kubelet-arg=--node-status-report-frequency=10s',
      ],
    });
    await ok(['apply', '-f', join(MANIFESTS, 'deployment.yaml')]);
    await ok(['apply', '-f', join(MANIFESTS, 'configmap-secret.yaml')]);
    await eventually(() => servingPods(c(), 'app=web', 3), 60_000, '3 web pods Running and Ready');
  }, 180_000);

  afterAll(async () => {
    if (frozen) {
      try {
        signal(frozen, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    if (!cluster) return;
    const res = await cluster.down(true);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  }, 120_000);

  it('docker kill of a pod\'s container: the kubelet restarts it (restartCount 1)', async () => {
    const [pod] = await pods(c(), 'app=web');
    const [container] = await containersOf(pod!, 'container');
    expect(container).toBeTruthy();
    const res = await docker('kill', container!);
    expect(res.code, res.stderr).toBe(0);

    const restarted = await eventually(async () => {
      const p = await podByUID(pod!.metadata.uid);
      return p && p.status?.containerStatuses?.[0]?.restartCount === 1 && isServing(p) ? p : undefined;
    }, 60_000, 'the killed container restarted and Ready');
    expect(restarted.metadata.name).toBe(pod!.metadata.name);
    const now = await containersOf(restarted, 'container');
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(container);
  }, 90_000);

  it('docker rm -f of a pod\'s sandbox: its containers are recreated and Running again', async () => {
    const web = await pods(c(), 'app=web');
    const pod = web.find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) === 0) ?? web[0]!;
    const [sandbox] = await containersOf(pod, 'sandbox');
    const [container] = await containersOf(pod, 'container');
    expect(sandbox && container).toBeTruthy();
    const res = await docker('rm', '-f', sandbox!);
    expect(res.code, res.stderr).toBe(0);

    await eventually(async () => {
      const p = await podByUID(pod.metadata.uid);
      if (!p || !isServing(p)) return false;
      const [s] = await containersOf(p, 'sandbox');
      const [app] = await containersOf(p, 'container');
      return s !== undefined && s !== sandbox && app !== undefined && app !== container;
    }, 60_000, 'a new sandbox and container for the pod, Running and Ready');
    // the same pod, not a replacement: the Deployment still has exactly its 3
    expect(await servingPods(c(), 'app=web', 3)).toBeDefined();
  }, 90_000);

  it('a frozen kubelet: its node goes Unknown and its pods come back Running on the other node', async () => {
    const web = await pods(c(), 'app=web');
    const count = (node: string) => web.filter((p) => p.spec.nodeName === node).length;
    const victim = [...c().nodes].sort((a, b) => count(b) - count(a))[0]!;
    const survivor = c().nodes.find((n) => n !== victim)!;
    const lost = web.filter((p) => p.spec.nodeName === victim);
    expect(lost.length).toBeGreaterThan(0);

    frozen = componentPid(`kubelet-${victim}`);
    signal(frozen, 'SIGSTOP');
    const stoppedAt = Date.now();

    await eventually(async () => (await nodeReady(victim)) === 'Unknown', 30_000, `${victim} Ready=Unknown`);
    // 8 s grace + 5 s toleration, then the ReplicaSet replaces the evicted pods on the node left
    const moved = await eventually(async () => {
      const serving = (await pods(c(), 'app=web')).filter(isServing);
      return serving.length === 3 && serving.every((p) => p.spec.nodeName === survivor) ? serving : undefined;
    }, 60_000, `3 web pods Running on ${survivor}`);
    const lostUIDs = new Set(lost.map((p) => p.metadata.uid));
    expect(moved.filter((p) => lostUIDs.has(p.metadata.uid))).toEqual([]);
    const movedAfter = (Date.now() - stoppedAt) / 1000;

    // resumed, the kubelet finds its pods deleted: it stops their containers and confirms the deletion
    signal(frozen, 'SIGCONT');
    frozen = undefined;
    const resumedAt = Date.now();
    await eventually(async () => (await nodeReady(victim)) === 'True', 60_000, `${victim} Ready again`);
    const readyAfter = (Date.now() - resumedAt) / 1000;
    await eventually(async () => {
      const left = await pods(c(), 'app=web');
      return left.length === 3 && left.every((p) => !lostUIDs.has(p.metadata.uid));
    }, 60_000, 'the evicted pods gone from the API');
    for (const p of lost) expect(await containersOf(p, 'container')).toEqual([]);
    console.log(
      `node failure: ${lost.length} pod(s) of ${victim} Running on ${survivor} ${movedAfter.toFixed(1)} s after its kubelet froze; ` +
        `resumed, the node was Ready in ${readyAfter.toFixed(1)} s and its evicted pods gone in ${((Date.now() - resumedAt) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  it('controller-manager killed during a rolling update: restarted by the supervisor, the rollout completes, no object lost', async () => {
    const kinds = ['deployments', 'replicasets', 'services', 'configmaps', 'secrets', 'serviceaccounts'];
    const snapshot = async () => {
      const all = new Map<string, string>();
      for (const kind of kinds) {
        for (const o of (await c().json<List<Named>>('get', kind)).items) all.set(`${kind}/${o.metadata.name}`, o.metadata.uid);
      }
      return all;
    };
    const before = await snapshot();
    expect(before.get('configmaps/app-config')).toBeTruthy();
    const oldPid = componentPid('controller-manager');

    // each new pod must stay Ready 3 s before the next step: a rollout long enough to interrupt
    await ok(['patch', 'deployment', 'web', '-p', '{"spec":{"minReadySeconds":3}}']);
    await ok(['set', 'image', 'deployment/web', 'web=skiff/echo:2.0']);
    const midway = await eventually(async () => {
      const d = await c().json<Deployment>('get', 'deployment', 'web');
      return (d.status?.updatedReplicas ?? 0) >= 1 ? d : undefined;
    }, 30_000, 'the rollout under way');
    signal(oldPid, 'SIGKILL');
    expect(midway.status?.updatedReplicas ?? 0, 'killed before the rollout had finished').toBeLessThan(3);

    const newPid = await eventually(async () => {
      const pid = c().state().components.find((x) => x.name === 'controller-manager')?.pid;
      return pid && pid !== oldPid ? pid : undefined;
    }, 30_000, 'a new controller-manager process');
    type StatusJSON = { components: { name: string; pid: string; health: string; restarts: string }[] };
    const status = await eventually(async () => {
      const res = await c().skiff('status', '--home', c().home, '-o', 'json');
      const s = JSON.parse(res.stdout) as StatusJSON;
      const cm = s.components.find((x) => x.name === 'controller-manager');
      return cm?.health === 'healthy' ? cm : undefined;
    }, 30_000, 'skiff status: controller-manager healthy');
    expect(status.pid).toBe(String(newPid));
    expect(Number(status.restarts)).toBeGreaterThanOrEqual(1);

    const out = await ok(['rollout', 'status', 'deployment/web', '--timeout', '120s']);
    expect(out).toContain('deployment "web" successfully rolled out');
    const web = await eventually(() => servingPods(c(), 'app=web', 3), 60_000, '3 web pods on 2.0');
    expect(new Set(web.map((p) => p.spec.containers[0]?.image))).toEqual(new Set(['skiff/echo:2.0']));

    const after = await snapshot();
    for (const [key, uid] of before) expect(after.get(key), key).toBe(uid);
    // one ReplicaSet per template: the restarted controller adopted, it did not duplicate
    const replicaSets = [...after.keys()].filter((k) => k.startsWith('replicasets/web-'));
    expect(replicaSets).toHaveLength(2);
  }, 180_000);
});
