// The mutating and informational skiff verbs against a real apiserver on
// real etcd, with real kubectl as the reference where it helps: delete
// (selectors, --wait until finalizers let go), scale, label, annotate, patch,
// set image, edit with a scripted editor, explain, api-resources,
// api-versions, cluster-info, version and config.
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { findByKind } from '../src/api/resources.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { runKubectl, runSkiff } from './cli-helpers.js';

let s: TestApiServer;
let dir: string;
const skiff = (...args: string[]) => runSkiff(s.kubeconfig, args);
const kubectl = (...args: string[]) => runKubectl(s.kubeconfig, args);
const rc = (apiVersion: string, kind: string) => s.client.resource(findByKind(apiVersion, kind)!);

const deployment = (name: string, container: string, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: container, image: 'skiff/echo:1.0' }, { name: 'sidecar', image: 'skiff/busybox:latest' }] },
    },
  },
});

beforeAll(async () => {
  s = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'skiff-cli-verbs-'));
});

afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('scale', () => {
  it('scales through the scale subresource, written as in the walk-through', async () => {
    await rc('apps/v1', 'Deployment').create('default', deployment('nginx-deployment', 'nginx'));
    expect(await skiff('scale', 'deployment', 'nginx-deployment', '--replicas', '10')).toEqual({
      out: 'deployment.apps/nginx-deployment scaled\n',
      err: '',
      code: 0,
    });
    expect((await rc('apps/v1', 'Deployment').get('default', 'nginx-deployment')).spec).toMatchObject({ replicas: 10 });
  });

  it('checks --current-replicas first', async () => {
    const res = await skiff('scale', 'deploy/nginx-deployment', '--replicas=3', '--current-replicas=2');
    expect(res).toEqual({ out: '', err: 'error: Expected replicas to be 2, was 10\n', code: 1 });
    expect((await skiff('scale', 'deploy/nginx-deployment', '--replicas=3', '--current-replicas=10')).out).toBe('deployment.apps/nginx-deployment scaled\n');
  });

  it('refuses a missing --replicas', async () => {
    expect((await skiff('scale', 'deploy/nginx-deployment')).err).toBe(
      'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n',
    );
  });
});

describe('set image', () => {
  it('changes one container, written as in the walk-through, and leaves the others', async () => {
    expect(await skiff('set', 'image', 'deployment/nginx-deployment', 'nginx=nginx:1.9.1')).toEqual({
      out: 'deployment.apps/nginx-deployment image updated\n',
      err: '',
      code: 0,
    });
    const d = await rc('apps/v1', 'Deployment').get('default', 'nginx-deployment');
    const containers = (d.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
    expect(containers).toEqual([
      expect.objectContaining({ name: 'nginx', image: 'nginx:1.9.1' }),
      expect.objectContaining({ name: 'sidecar', image: 'skiff/busybox:latest' }),
    ]);
  });

  it('sets every container with *=IMAGE and names an unknown container', async () => {
    await skiff('set', 'image', 'deployment', 'nginx-deployment', '*=skiff/echo:2.0');
    const d = await rc('apps/v1', 'Deployment').get('default', 'nginx-deployment');
    const images = (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.map((c) => c.image);
    expect(images).toEqual(['skiff/echo:2.0', 'skiff/echo:2.0']);
    expect(await skiff('set', 'image', 'deploy/nginx-deployment', 'nope=x')).toEqual({
      out: '',
      err: 'error: unable to find container named "nope"\n',
      code: 1,
    });
  });
});

describe('label and annotate', () => {
  beforeAll(async () => {
    await rc('v1', 'ConfigMap').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l1', labels: { team: 'a' } } });
    await rc('v1', 'ConfigMap').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l2', labels: { team: 'a' } } });
  });

  it('adds, refuses to overwrite, overwrites and removes labels with kubectl messages', async () => {
    expect((await skiff('label', 'cm', 'l1', 'env=prod')).out).toBe('configmap/l1 labeled\n');
    expect((await skiff('label', 'cm', 'l1', 'env=dev')).err).toBe("error: 'env' already has a value (prod), and --overwrite is false\n");
    expect((await skiff('label', 'cm', 'l1', 'env=dev', '--overwrite')).out).toBe('configmap/l1 labeled\n');
    expect((await skiff('label', 'cm', 'l1', 'env-')).out).toBe('configmap/l1 unlabeled\n');
    expect((await rc('v1', 'ConfigMap').get('default', 'l1')).metadata.labels).toEqual({ team: 'a' });
  });

  it('labels by selector and annotates every object with --all', async () => {
    expect((await skiff('label', 'cm', '-l', 'team=a', 'checked=yes')).out).toBe('configmap/l1 labeled\nconfigmap/l2 labeled\n');
    const res = await skiff('annotate', 'cm', '--all', 'note=hello world');
    expect(res.out).toContain('configmap/l1 annotated\n');
    expect((await rc('v1', 'ConfigMap').get('default', 'l2')).metadata.annotations).toEqual({ note: 'hello world' });
  });
});

describe('patch', () => {
  it('applies strategic, merge and JSON patches, saying when nothing changed', async () => {
    expect((await skiff('patch', 'deploy', 'nginx-deployment', '-p', '{"spec":{"replicas":4}}')).out).toBe('deployment.apps/nginx-deployment patched\n');
    expect((await skiff('patch', 'deploy', 'nginx-deployment', '-p', 'spec:\n  replicas: 4')).out).toBe(
      'deployment.apps/nginx-deployment patched (no change)\n',
    );
    expect((await skiff('patch', 'cm/l1', '--type', 'merge', '-p', '{"data":{"k":"v"}}')).code).toBe(0);
    expect((await skiff('patch', 'cm/l1', '--type=json', '-p', '[{"op":"add","path":"/data/k2","value":"v2"}]')).code).toBe(0);
    expect((await rc('v1', 'ConfigMap').get('default', 'l1')).data).toEqual({ k: 'v', k2: 'v2' });
  });

  it('reports an invalid result as kubectl does', async () => {
    const res = await skiff('patch', 'deploy', 'nginx-deployment', '-p', '{"spec":{"replicas":-1}}');
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^The Deployment "nginx-deployment" is invalid: spec\.replicas: Invalid value: -1/);
  });
});

describe('edit', () => {
  function editor(name: string, script: string): string {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('sends what the editor changed', async () => {
    const ed = editor('bump.sh', `sed -i 's/^  replicas: 4$/  replicas: 5/' "$1"`);
    const res = await runSkiff(s.kubeconfig, ['edit', 'deployment/nginx-deployment'], { env: { KUBE_EDITOR: ed } });
    expect(res).toEqual({ out: 'deployment.apps/nginx-deployment edited\n', err: '', code: 0 });
    expect((await rc('apps/v1', 'Deployment').get('default', 'nginx-deployment')).spec).toMatchObject({ replicas: 5 });
  });

  it('cancels when nothing changed', async () => {
    const res = await runSkiff(s.kubeconfig, ['edit', 'cm', 'l1'], { env: { KUBE_EDITOR: 'true', EDITOR: 'false' } });
    expect(res).toEqual({ out: '', err: 'Edit cancelled, no changes made.\n', code: 0 });
  });

  it('reopens an invalid edit with the errors as comments, then saves the fix', async () => {
    const seen = join(dir, 'reopened.yaml');
    const ed = editor(
      'fix.sh',
      `if grep -q 'was not valid' "$1"; then cp "$1" ${seen}; sed -i 's/^  replicas: -1$/  replicas: 6/' "$1"; else sed -i 's/^  replicas: 5$/  replicas: -1/' "$1"; fi`,
    );
    const res = await runSkiff(s.kubeconfig, ['edit', 'deploy/nginx-deployment'], { env: { EDITOR: ed, KUBE_EDITOR: '' } });
    expect(res).toEqual({ out: 'deployment.apps/nginx-deployment edited\n', err: '', code: 0 });
    const reopened = readFileSync(seen, 'utf8');
    expect(reopened).toContain('# deployments.apps "nginx-deployment" was not valid:\n# * spec.replicas: Invalid value: -1');
    expect((await rc('apps/v1', 'Deployment').get('default', 'nginx-deployment')).spec).toMatchObject({ replicas: 6 });
  });

  it('gives up, keeping a copy, when the invalid file is saved again unchanged', async () => {
    const ed = editor('stubborn.sh', `grep -q 'was not valid' "$1" || sed -i 's/^  replicas: 6$/  replicas: -2/' "$1"`);
    const res = await runSkiff(s.kubeconfig, ['edit', 'deploy/nginx-deployment'], { env: { KUBE_EDITOR: ed } });
    expect(res.code).toBe(1);
    const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(res.err)?.[1];
    expect(copy).toBeDefined();
    expect(readFileSync(copy!, 'utf8')).toContain('replicas: -2');
    rmSync(copy!);
    expect(res.err).toContain('error: Edit cancelled, no valid changes were saved.\n');
  });
});

describe('delete', () => {
  it('deletes by name, by selector and from a file, with kubectl messages', async () => {
    for (const n of ['d1', 'd2', 'd3']) {
      await rc('v1', 'ConfigMap').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, labels: { group: n === 'd1' ? 'one' : 'many' } } });
    }
    expect(await skiff('delete', 'configmap', 'd1')).toEqual({ out: 'configmap "d1" deleted\n', err: '', code: 0 });
    expect((await skiff('delete', 'cm', '-l', 'group=many')).out).toBe('configmap "d2" deleted\nconfigmap "d3" deleted\n');
    const again = await skiff('delete', 'cm', 'd1');
    expect(again).toEqual({ out: '', err: 'Error from server (NotFound): configmaps "d1" not found\n', code: 1 });
    expect((await skiff('delete', 'cm', 'd1', '--ignore-not-found')).code).toBe(0);
    const file = join(dir, 'del.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-file\n');
    await skiff('apply', '-f', file);
    expect((await skiff('delete', '-f', file)).out).toBe('configmap "from-file" deleted\n');
    expect((await skiff('delete', 'pods')).err).toBe('error: resource(s) were provided, but no name was specified\n');
  });

  it('waits until a finalizer lets the object go', async () => {
    await rc('v1', 'ConfigMap').create('default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    });
    let settled = false;
    const pending = skiff('delete', 'cm', 'held').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    await rc('v1', 'ConfigMap').patch('default', 'held', { metadata: { finalizers: null } }, 'merge');
    expect(await pending).toEqual({ out: 'configmap "held" deleted\n', err: '', code: 0 });
  });

  it('returns at once with --wait=false', async () => {
    await rc('v1', 'ConfigMap').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held2', finalizers: ['example.com/hold'] } });
    expect((await skiff('delete', 'cm', 'held2', '--wait=false')).out).toBe('configmap "held2" deleted\n');
    expect((await rc('v1', 'ConfigMap').get('default', 'held2')).metadata.deletionTimestamp).toBeDefined();
    await rc('v1', 'ConfigMap').patch('default', 'held2', { metadata: { finalizers: null } }, 'merge');
  });
});

describe('discovery and documentation match kubectl', () => {
  it.each([
    [['explain', 'deployment']],
    [['explain', 'pods.spec.containers']],
    [['explain', 'svc', '--recursive']],
    [['explain', 'deploy.spec.replicas']],
    [['api-resources']],
    [['api-resources', '-o', 'wide']],
    [['api-resources', '--namespaced=false']],
    [['api-resources', '--api-group=apps', '-o', 'name']],
    [['api-versions']],
  ])('skiff %j', async (args) => {
    const mine = await skiff(...args);
    const theirs = await kubectl(...args);
    expect(mine.code).toBe(0);
    expect(mine.out).toBe(theirs.out);
  });

  it('cluster-info names the control plane', async () => {
    expect((await skiff('cluster-info')).out).toMatch(new RegExp(`^Kubernetes control plane is running at ${s.url.replace(/[.]/g, '\\.')}\n`));
  });

  it('version prints client and server versions, and the client one even when the server is down', async () => {
    const up = await skiff('version');
    expect(up.out).toMatch(/^Client Version: v\d+\.\d+\.\d+\nServer Version: v1\.\d+\.\d+/);
    const down = await runSkiff(s.kubeconfig, ['version', '--server', 'https://127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/^Client Version: v/);
    expect(down.err).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n');
  });

  it('completion lists commands, flags and resource types', async () => {
    const bash = await skiff('completion', 'bash');
    expect(bash.out).toContain("['skiff get']=");
    expect(bash.out).toContain('deployments.apps');
    expect(bash.out).toContain('complete -o default -F _skiff skiff');
  });
});

describe('config', () => {
  it('switches contexts and namespaces in the kubeconfig file', async () => {
    const kc = join(dir, 'config-test');
    copyFileSync(s.kubeconfig, kc);
    const cfg = (...args: string[]) => runSkiff(kc, ['config', ...args]);
    expect((await cfg('current-context')).out).toBe('skiff\n');
    expect((await cfg('set-context', '--current', '--namespace=team-x')).out).toBe('Context "skiff" modified.\n');
    expect((await cfg('set-context', 'other', '--cluster=skiff', '--user=admin')).out).toBe('Context "other" created.\n');
    expect((await cfg('get-contexts')).out).toBe(
      'CURRENT   NAME    CLUSTER   AUTHINFO   NAMESPACE\n          other   skiff     admin      \n*         skiff   skiff     admin      team-x\n',
    );
    expect((await cfg('use-context', 'other')).out).toBe('Switched to context "other".\n');
    expect((await cfg('use-context', 'missing')).err).toBe('error: no context exists with the name: "missing"\n');
    const view = await cfg('view', '--minify');
    expect(view.out).toContain('current-context: other\n');
    expect(view.out).toContain('token: REDACTED\n');
    expect((await runKubectl(kc, ['config', 'current-context'])).out).toBe('other\n');
    expect((await runKubectl(kc, ['config', 'view', '--minify'])).out).toBe(view.out);
    // The namespace set above is what verbs use by default.
    await cfg('use-context', 'skiff');
    expect((await runSkiff(kc, ['get', 'pods'])).err).toBe('No resources found in team-x namespace.\n');
  });
});
