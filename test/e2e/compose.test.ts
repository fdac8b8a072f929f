// docker-compose.yml as its header tells a user to run it: build the images
// locally, `docker-compose up -d`, wait for the node, run a Deployment, and
// `docker-compose down`. The compose file keeps its data in
// /var/lib/skiff-compose, so the test refuses to run where that exists (it
// would be someone's cluster) and removes it afterwards, with the pods'
// containers, which outlive the kubelet's container.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, docker, eventually, REPO, requireBuild, run, type RunResult } from './cluster.js';
import { isServing, type List, type Pod } from './objects.js';
import { answers, requireLocal } from './services.js';

const DATA = '/var/lib/skiff-compose';
const KUBECONFIG = join(DATA, 'kubeconfig');
const NODE = 'compose-node-1';
const COMPOSE_FILE = join(REPO, 'docker-compose.yml');

const compose = (...args: string[]) => run('docker-compose', ['-f', COMPOSE_FILE, ...args], { timeoutMs: 300_000 });
const skiff = (...args: string[]) => run(process.execPath, [CLI, '--kubeconfig', KUBECONFIG, ...args]);
const skiffWithInput = (input: string, ...args: string[]) => run(process.execPath, [CLI, '--kubeconfig', KUBECONFIG, ...args], { input });
const said = (r: RunResult) => `${r.stdout}${r.stderr}`;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 2
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
        - name: hello
          image: skiff/echo:1.0
          imagePullPolicy: IfNotPresent
---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app: hello
  ports:
    - port: 80
      targetPort: 8080
`;

let started = false;

/** docker-compose, installed with apt-get where it is missing and this runs as root on Debian */
async function ensureCompose(): Promise<void> {
  if ((await run('docker-compose', ['version', '--short'])).code === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => run('apt-get', ['install', '-y', '-qq', 'docker-compose'], { env, timeoutMs: 600_000 });
    if ((await install()).code !== 0) {
      await run('apt-get', ['update', '-qq'], { env, timeoutMs: 300_000 });
      const res = await install();
      if (res.code !== 0) throw new Error(`apt-get install docker-compose failed: ${said(res)}`);
    }
    return;
  }
  throw new Error('docker-compose is not installed (Debian: apt-get install -y docker-compose)');
}

describe('docker-compose.yml: the control plane and a node as containers', () => {
  beforeAll(async () => {
    requireBuild();
    await ensureCompose();
    if (existsSync(DATA)) throw new Error(`${DATA} exists: a compose cluster's data, left alone (remove it to run this test)`);
  }, 900_000);

  afterAll(async () => {
    if (!started) return;
    const down = await compose('down', '--remove-orphans');
    const pods = await docker('ps', '-aq', '--filter', `label=io.skiff.node=${NODE}`);
    const ids = pods.stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
    rmSync(DATA, { recursive: true, force: true });
    expect(down.code, said(down)).toBe(0);
    expect((await docker('ps', '-aq', '--filter', `label=io.skiff.node=${NODE}`)).stdout.trim()).toBe('');
  }, 180_000);

  it('the images build locally (what npm run compose:build runs after npm run build)', async () => {
    for (const script of ['build-images.sh', 'build-skiff-image.sh']) {
      const res = await run('bash', [join(REPO, 'scripts', script)], { timeoutMs: 600_000 });
      expect(res.code, `${script}: ${said(res)}`).toBe(0);
    }
    const image = await docker('image', 'inspect', '--format', '{{json .Config.Entrypoint}}', 'skiff/skiff:latest');
    expect(image.code, said(image)).toBe(0);
    expect(image.stdout.trim()).toBe('["/usr/bin/skiff"]');
  }, 600_000);

  it('docker-compose up -d: compose-node-1 becomes Ready', async () => {
    started = true;
    const up = await compose('up', '-d');
    expect(up.code, said(up)).toBe(0);
    await eventually(async () => {
      const res = await skiff('get', 'nodes');
      return res.code === 0 && new RegExp(`^${NODE}\\s+Ready\\s`, 'm').test(res.stdout);
    }, 120_000, `skiff --kubeconfig ${KUBECONFIG} get nodes: ${NODE} Ready`);
    const ps = await compose('ps');
    for (const service of ['apiserver', 'etcd', 'controller-manager', 'scheduler', 'node']) expect(ps.stdout).toMatch(new RegExp(`_${service}_1\\s.*\\sUp`));
  }, 180_000);

  it('a Deployment runs on the compose node', async () => {
    const res = await skiffWithInput(deployment, 'apply', '-f', '-');
    expect(res.code, said(res)).toBe(0);
    expect(res.stdout).toContain('deployment.apps/hello created');
    const hello = await eventually(async () => {
      const r = await skiff('get', 'pods', '-l', 'app=hello', '-o', 'json');
      if (r.code !== 0) throw new Error(said(r));
      const pods = (JSON.parse(r.stdout) as List<Pod>).items.filter(isServing);
      return pods.length === 2 ? pods : undefined;
    }, 90_000, '2 hello pods Running and Ready');
    for (const p of hello) expect(p.spec.nodeName).toBe(NODE);
    // logs come from the kubelet inside its container, through the apiserver
    const logs = await skiff('logs', hello[0]!.metadata.name);
    expect(logs.code, said(logs)).toBe(0);
    expect(logs.stdout).toContain(`as ${hello[0]!.metadata.name}`);

    // the node service's proxy serves the Service's ClusterIP on this machine
    const svc = await skiff('get', 'service', 'hello', '-o', 'jsonpath={.spec.clusterIP}');
    expect(svc.code, said(svc)).toBe(0);
    const ip = svc.stdout.trim();
    await requireLocal(ip);
    const names = new Set(hello.map((p) => p.metadata.name));
    for (const body of await answers(`http://${ip}/`, 4)) expect(names).toContain(body);
  }, 120_000);
});
