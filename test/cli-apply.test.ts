// skiff apply (and create) against a real apiserver on real etcd, side by
// side with real kubectl: the project's manifests applied by each tool into
// its own namespace must store the same objects; each tool must see the
// other's objects as unchanged; removed fields go away; one bad document in a
// file does not stop the others; get -o yaml | apply -f - is a no-op.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { findByKind } from '../src/api/resources.js';
import { readManifests } from '../src/cli/manifests.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { comparable, runKubectl, runSkiff } from './cli-helpers.js';

let s: TestApiServer;
let dir: string;
const skiff = (...args: string[]) => runSkiff(s.kubeconfig, args);
const skiffIn = (stdin: string, ...args: string[]) => runSkiff(s.kubeconfig, args, { stdin });
const kubectl = (...args: string[]) => runKubectl(s.kubeconfig, args);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const nsYaml = (...names: string[]) => names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n`).join('---\n');

async function getObject(kind: string, apiVersion: string, namespace: string | undefined, name: string): Promise<KubeObject> {
  const info = findByKind(apiVersion, kind)!;
  return s.client.resource(info).get(info.namespaced ? namespace : undefined, name);
}

beforeAll(async () => {
  s = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'skiff-cli-apply-'));
});

afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('apply: the project manifests, skiff beside kubectl', () => {
  // Every namespaced object of manifests/ that names no namespace of its own, in one file.
  let manifestFile: string;
  let objects: KubeObject[];

  beforeAll(async () => {
    const loaded = readManifests(['manifests'], { recursive: true });
    expect(loaded.errors).toEqual([]);
    objects = loaded.manifests.map((m) => m.object).filter((o) => findByKind(o.apiVersion ?? '', o.kind ?? '')?.namespaced && !o.metadata.namespace);
    expect(objects.length).toBeGreaterThan(0);
    manifestFile = file('project.yaml', objects.map((o) => stringify(o)).join('---\n'));
    expect((await skiffIn(nsYaml('by-skiff', 'by-kubectl'), 'apply', '-f', '-')).out).toBe('namespace/by-skiff created\nnamespace/by-kubectl created\n');
  });

  it('creates the same objects with the same output lines', async () => {
    const mine = await skiff('apply', '-f', manifestFile, '-n', 'by-skiff');
    const theirs = await kubectl('apply', '-f', manifestFile, '-n', 'by-kubectl');
    expect(mine).toMatchObject({ code: 0, err: '' });
    expect(theirs.code).toBe(0);
    expect(mine.out).toBe(theirs.out);
    for (const o of objects) {
      const a = await getObject(o.kind!, o.apiVersion!, 'by-skiff', o.metadata.name!);
      const b = await getObject(o.kind!, o.apiVersion!, 'by-kubectl', o.metadata.name!);
      expect(comparable(a, 'by-skiff')).toEqual(comparable(b, 'by-kubectl'));
    }
  });

  it('says unchanged on a second apply, and each tool finds the other one\'s objects unchanged', async () => {
    // A Secret written with stringData is "configured" on every apply, by kubectl as by skiff: the
    // server keeps only data, so the three-way patch always carries stringData again.
    const unchangedButSecrets = (out: string) =>
      out.trim().split('\n').every((l) => l.endsWith(' unchanged') || (l.startsWith('secret/') && l.endsWith(' configured')));
    const again = await skiff('apply', '-f', manifestFile, '-n', 'by-skiff');
    expect(unchangedButSecrets(again.out), again.out).toBe(true);
    const againKubectl = await kubectl('apply', '-f', manifestFile, '-n', 'by-kubectl');
    expect(again.out).toBe(againKubectl.out);
    const crossSkiff = await skiff('apply', '-f', manifestFile, '-n', 'by-kubectl');
    expect(unchangedButSecrets(crossSkiff.out), crossSkiff.out).toBe(true);
    const crossKubectl = await kubectl('apply', '-f', manifestFile, '-n', 'by-skiff');
    expect(crossKubectl.out).toBe(crossSkiff.out);
  });

  it('round-trips get -o yaml | apply -f -, changing nothing but the annotation, as kubectl does', async () => {
    const before = await s.client.resource(findByKind('apps/v1', 'Deployment')!).list('by-skiff');
    const yaml = await skiff('get', 'deploy,svc,pods', '-n', 'by-skiff', '-o', 'yaml');
    expect(yaml.code).toBe(0);
    const back = await skiffIn(yaml.out, 'apply', '-f', '-');
    expect(back.err).toBe('');
    // The annotation now records the whole object, resourceVersion included, so
    // kubectl and skiff both report "configured" on every such round trip.
    const theirs = await runKubectl(s.kubeconfig, ['apply', '-f', '-'], { stdin: (await skiff('get', 'deploy,svc,pods', '-n', 'by-skiff', '-o', 'yaml')).out });
    expect(back.out).toBe(theirs.out);
    const after = await s.client.resource(findByKind('apps/v1', 'Deployment')!).list('by-skiff');
    const strip = (o: KubeObject) => {
      const c = comparable(o) as KubeObject;
      delete c.metadata.annotations;
      return c;
    };
    expect(after.items.map(strip)).toEqual(before.items.map(strip));
  });
});

describe('apply: changes to the file', () => {
  const cm = (labels: Record<string, string>, data: Record<string, string>) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels }, data });

  it('removes a label and a key removed from the file and keeps what others added', async () => {
    const path = join(dir, 'settings.yaml');
    writeFileSync(path, cm({ app: 'web', tier: 'front' }, { a: '1', b: '2' }));
    expect((await skiff('apply', '-f', path)).out).toBe('configmap/settings created\n');
    expect((await kubectl('label', 'cm', 'settings', 'owner=ops')).code).toBe(0);

    writeFileSync(path, cm({ app: 'web' }, { a: '1' }));
    expect((await skiff('apply', '-f', path)).out).toBe('configmap/settings configured\n');
    const live = await getObject('ConfigMap', 'v1', 'default', 'settings');
    expect(live.metadata.labels).toEqual({ app: 'web', owner: 'ops' });
    expect(live.data).toEqual({ a: '1' });
    expect((await skiff('apply', '-f', path)).out).toBe('configmap/settings unchanged\n');
  });

  it('changes nothing with --dry-run and prints the would-be object', async () => {
    const path = file('dry.yaml', cm({ app: 'dry' }, { x: 'y' }).replace('settings', 'dry'));
    expect((await skiff('apply', '-f', path, '--dry-run=client')).out).toBe('configmap/dry created (dry run)\n');
    expect((await skiff('apply', '-f', path, '--dry-run=server')).out).toBe('configmap/dry created (server dry run)\n');
    const printed = await skiff('apply', '-f', path, '--dry-run=client', '-o', 'yaml');
    expect(printed.out).toContain('kubectl.kubernetes.io/last-applied-configuration');
    expect((await skiff('get', 'cm', 'dry')).err).toBe('Error from server (NotFound): configmaps "dry" not found\n');
  });

  it('prints objects with -o name and -o json', async () => {
    const path = file('named.yaml', cm({}, { k: 'v' }).replace('settings', 'named'));
    expect((await skiff('apply', '-f', path, '-o', 'name')).out).toBe('configmap/named\n');
    const json = JSON.parse((await skiff('apply', '-f', path, '-o', 'json')).out) as KubeObject;
    expect(json.metadata.name).toBe('named');
  });
});

describe('apply: failures', () => {
  it('applies four good documents of five, reports the bad one with its position, and exits 1', async () => {
    const docs = ['one', 'two', 'BAD', 'four', 'five'].map((n) =>
      n === 'BAD'
        ? 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata: {a: 1\n'
        : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: doc-${n}\ndata:\n  n: "${n}"\n`,
    );
    const path = file('five.yaml', docs.join('---\n'));
    const res = await skiff('apply', '-f', path);
    expect(res.code).toBe(1);
    expect(res.out).toBe('configmap/doc-one created\nconfigmap/doc-two created\nconfigmap/doc-four created\nconfigmap/doc-five created\n');
    // The third document starts on line 15; its unclosed "{" is noticed where the document ends.
    expect(res.err).toBe(
      `error: error parsing ${path}: document 3: yaml: line 20, column 1: Flow map in block collection must be sufficiently indented and end with a }\n`,
    );
    for (const n of ['one', 'two', 'four', 'five']) expect((await getObject('ConfigMap', 'v1', 'default', `doc-${n}`)).data).toEqual({ n });
  });

  it('reports server rejections per object in kubectl words and applies the rest', async () => {
    const path = file(
      'mixed.yaml',
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: b}}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c, image: i}]}\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n',
        'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
      ].join('---\n'),
    );
    const res = await skiff('apply', '-f', path);
    expect(res.code).toBe(1);
    expect(res.out).toBe('configmap/fine created\n');
    expect(res.err).toContain('The Deployment "broken" is invalid: spec.replicas: Invalid value: -1');
    expect(res.err).toContain('no matches for kind "Widget" in version "example.com/v1"');
  });

  it('refuses a namespace that contradicts the file', async () => {
    const path = file('pinned.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n  namespace: by-skiff\n');
    const res = await skiff('apply', '-f', path, '-n', 'default');
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      `error: the namespace from the provided object "by-skiff" does not match the namespace "default". You must pass '--namespace=by-skiff' to perform this operation.\n`,
    );
  });
});

describe('create', () => {
  it('creates from a file and refuses an existing object as kubectl does', async () => {
    const path = file('created.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\n');
    expect((await skiff('create', '-f', path)).out).toBe('configmap/created created\n');
    const again = await skiff('create', '-f', path);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`Error from server (AlreadyExists): error when creating "${path}": configmaps "created" already exists\n`);
  });

  it('builds deployments, namespaces, configmaps, secrets and services like kubectl', async () => {
    for (const args of [
      ['deployment', 'gen', '--image=skiff/echo:1.0', '--replicas=2', '--port=8080'],
      ['service', 'clusterip', 'gen', '--tcp=80:8080'],
      ['configmap', 'gen', '--from-literal=a=b', '--from-literal=c=d'],
      ['secret', 'generic', 'gen', '--from-literal=password=x', '--type=Opaque'],
      ['namespace', 'gen'],
    ]) {
      const mine = await skiff('create', ...args, '--dry-run=client', '-o', 'yaml');
      const theirs = await kubectl('create', ...args, '--dry-run=client', '-o', 'yaml');
      expect(mine.out).toBe(theirs.out);
    }
    expect((await skiff('create', 'deployment', 'gen', '--image=skiff/echo:1.0')).out).toBe('deployment.apps/gen created\n');
    expect((await skiff('create', 'namespace', 'gen')).out).toBe('namespace/gen created\n');
    const dup = await skiff('create', 'deployment', 'gen', '--image=x');
    expect(dup).toMatchObject({ code: 1, err: 'error: failed to create deployment: deployments.apps "gen" already exists\n' });
  });
});
