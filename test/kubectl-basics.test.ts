// Real kubectl (/usr/bin/kubectl) against a real apiserver on real etcd:
// get, create -f, delete and get -w for pods and namespaces, with kubectl's
// own table output. The apiserver runs in this process, so kubectl is always
// run asynchronously.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { namespaceController } from '../controllers/namespace/controller.js';
import { controllerTestEnv } from './harness/controllers.js';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';

const s = controllerTestEnv({ controllers: [namespaceController({ deletionDelayMs: 0 })] });

const kubectl = async (...args: string[]) => (await run(KUBECTL, ['--kubeconfig', s.kubeconfig, ...args], { timeout: 30_000 })).stdout;

function manifest(name: string, text: string): string {
  const file = join(s.kubeconfig, '..', name);
  writeFileSync(file, text);
  return file;
}

/** The lines of a kubectl table, split into cells. */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

describe('kubectl against skiff', () => {
  it('lists the built-in namespaces with kubectl columns', async () => {
    const table = rows(await kubectl('get', 'namespaces'));
    expect(table[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    const names = table.slice(1).map((r) => r[0]);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    expect(table.slice(1).every((r) => r[1] === 'Active')).toBe(true);
  });

  it('creates a namespace and a pod from one file, gets them, and deletes them', async () => {
    const file = manifest(
      'basics.yaml',
      `apiVersion: v1
kind: Namespace
metadata:
  name: basics
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: basics
  labels: { app: web }
spec:
  containers:
    - name: app
      image: skiff/echo:1.0
`,
    );
    expect(await kubectl('create', '-f', file)).toBe('namespace/basics created\npod/web created\n');

    const pods = rows(await kubectl('get', 'pods', '-n', 'basics'));
    expect(pods[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(pods[1]!.slice(0, 4)).toEqual(['web', '0/1', 'Pending', '0']);

    const wide = rows(await kubectl('get', 'pods', '-n', 'basics', '-o', 'wide'));
    expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);

    const asJson = JSON.parse(await kubectl('get', 'pod', 'web', '-n', 'basics', '-o', 'json')) as {
      spec: { containers: { imagePullPolicy: string }[]; restartPolicy: string };
      status: { phase: string };
    };
    expect(asJson.spec.restartPolicy).toBe('Always');
    expect(asJson.spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    expect(asJson.status.phase).toBe('Pending');

    // A second create of the same file: both already exist, and kubectl says so.
    const again = await run(KUBECTL, ['--kubeconfig', s.kubeconfig, 'create', '-f', file]).catch((e: { stderr: string }) => e);
    expect((again as { stderr: string }).stderr).toContain('AlreadyExists');

    expect(await kubectl('delete', 'pod', 'web', '-n', 'basics')).toBe('pod "web" deleted\n');
    const gone = await run(KUBECTL, ['--kubeconfig', s.kubeconfig, 'get', 'pod', 'web', '-n', 'basics']).catch((e: { stderr: string }) => e);
    expect((gone as { stderr: string }).stderr).toContain('Error from server (NotFound): pods "web" not found');

    // kubectl waits until the namespace is really gone (the namespace controller empties it first).
    expect(await kubectl('delete', 'namespace', 'basics')).toBe('namespace "basics" deleted\n');
    const nsGone = await run(KUBECTL, ['--kubeconfig', s.kubeconfig, 'get', 'ns', 'basics']).catch((e: { stderr: string }) => e);
    expect((nsGone as { stderr: string }).stderr).toContain('namespaces "basics" not found');
  });

  it('streams pod changes with get -w, row by row', async () => {
    const file = manifest('watched.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: watched\n');
    await kubectl('create', '-f', file);
    const child = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'get', 'pods', '-n', 'watched', '-w', '--output-watch-events'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`kubectl -w never printed ${re}; got:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      const pod = (name: string) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] },
      });
      const pods = s.client.resource({ group: '', version: 'v1', plural: 'pods', namespaced: true });
      await pods.create('watched', pod('first') as never);
      await waitFor(/ADDED\s+first\s+0\/1\s+Pending/);
      await pods.patch('watched', 'first', { metadata: { labels: { touched: 'yes' } } }, 'merge');
      await waitFor(/MODIFIED\s+first/);
      await pods.delete('watched', 'first');
      await waitFor(/DELETED\s+first/);
      expect(out.split('\n')[0]).toMatch(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('watches namespaces too', async () => {
    const child = spawn(KUBECTL, ['--kubeconfig', s.kubeconfig, 'get', 'namespaces', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!/kube-system/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await kubectl('create', '-f', manifest('late.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: late\n'));
      while (!/late\s+Active/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(/late\s+Active/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('accepts every example manifest in manifests/ (server-side dry run)', async () => {
    const dir = new URL('../manifests/', import.meta.url).pathname;
    await kubectl('apply', '-f', join(dir, 'namespace.yaml'));
    const out = await kubectl('apply', '-n', 'demo', '-f', dir, '--dry-run=server');
    expect(out).toContain('deployment.apps/web created (server dry run)');
    expect(out).toContain('pod/hello created (server dry run)');
    expect(out).toContain('service/web created (server dry run)');
  });
});
