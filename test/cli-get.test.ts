// skiff get against a real apiserver on real etcd, compared with real
// kubectl's output for the same objects: tables (default, wide, -A,
// --show-labels, -L, get all), yaml/json/name, jsonpath, custom-columns,
// --sort-by, errors, and -w streaming rows as objects change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/api/meta.js';
import { findByKind } from '../src/api/resources.js';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';
import { runKubectl, runSkiff, tableCells } from './cli-helpers.js';
import { until } from './harness/until.js';

let s: TestApiServer;
const skiff = (...args: string[]) => runSkiff(s.kubeconfig, args);
const kubectl = (...args: string[]) => runKubectl(s.kubeconfig, args);
const rc = (apiVersion: string, kind: string) => s.client.resource(findByKind(apiVersion, kind)!);

const pod = (name: string, ns: string, labels: Record<string, string>, node?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }], ...(node ? { nodeName: node } : {}) },
});

beforeAll(async () => {
  s = await startApiServer();
  for (const ns of ['team-a', 'team-b']) await rc('v1', 'Namespace').create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await rc('v1', 'Node').create(undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
    spec: {},
  });
  const pods = rc('v1', 'Pod');
  await pods.create('team-a', pod('web-1', 'team-a', { app: 'web', tier: 'front' }, 'node-1'));
  await pods.create('team-a', pod('web-2', 'team-a', { app: 'web' }, 'node-1'));
  await pods.create('team-a', pod('db', 'team-a', { app: 'db' }));
  await pods.create('team-b', pod('other', 'team-b', { app: 'other' }));
  const running = await pods.get('team-a', 'web-1');
  await pods.updateStatus('team-a', {
    ...running,
    status: {
      phase: 'Running',
      podIP: '10.244.0.7',
      podIPs: [{ ip: '10.244.0.7' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 2, image: 'skiff/echo:1.0', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
    },
  });
  await rc('apps/v1', 'Deployment').create('team-a', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'skiff/echo:1.0' }] } },
    },
  });
  await rc('v1', 'Service').create('team-a', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
});

afterAll(async () => {
  await s?.stop();
});

describe('get: tables match kubectl', () => {
  it.each([
    [['pods', '-n', 'team-a']],
    [['pods', '-n', 'team-a', '-o', 'wide']],
    [['deploy', '-n', 'team-a']],
    [['deployments.apps', '-n', 'team-a', '-o', 'wide']],
    [['svc', '-n', 'team-a']],
    [['svc', '-n', 'team-a', '-o', 'wide']],
    [['nodes']],
    [['nodes', '-o', 'wide']],
    [['namespaces']],
    [['pods', '-A']],
    [['pods', '-n', 'team-a', '--show-labels']],
    [['pods', '-n', 'team-a', '-l', 'app=web', '-L', 'tier']],
    [['pods', '-n', 'team-a', '--sort-by=.metadata.name']],
    [['all', '-n', 'team-a']],
    [['po,svc', '-n', 'team-a']],
    [['pod', 'web-1', 'db', '-n', 'team-a']],
    [['deploy/web', 'svc/web', '-n', 'team-a']],
  ])('skiff get %j', async (args) => {
    const mine = await skiff('get', ...args);
    const theirs = await kubectl('get', ...args);
    expect(theirs.code).toBe(0);
    expect(mine.code).toBe(0);
    expect(tableCells(mine.out)).toEqual(tableCells(theirs.out));
  });

  it('drops headers with --no-headers', async () => {
    const mine = await skiff('get', 'pods', '-n', 'team-a', '--no-headers');
    const theirs = await kubectl('get', 'pods', '-n', 'team-a', '--no-headers');
    // Without a header the AGE cells cannot be found by name: they are the last ones.
    const cells = (t: string) => tableCells(t).map((r) => r.slice(0, -1));
    expect(cells(mine.out)).toEqual(cells(theirs.out));
    expect(mine.out).not.toContain('NAME');
  });

  it('prints the exact same table text as kubectl', async () => {
    // Ages can tick between the two runs and shift the columns after them: retry until both saw the same ages.
    for (let attempt = 0; ; attempt++) {
      const mine = await skiff('get', 'pods', '-n', 'team-a', '-o', 'wide');
      const theirs = await kubectl('get', 'pods', '-n', 'team-a', '-o', 'wide');
      const withoutAge = (t: string) => JSON.stringify(tableCells(t));
      if (attempt < 3 && mine.out !== theirs.out && withoutAge(mine.out) === withoutAge(theirs.out)) continue;
      expect(mine.out).toBe(theirs.out);
      return;
    }
  });
});

describe('get: object formats match kubectl', () => {
  it.each([
    [['pods', '-n', 'team-a', '-o', 'yaml']],
    [['pod', 'web-1', '-n', 'team-a', '-o', 'json']],
    [['deploy,svc', '-n', 'team-a', '-o', 'json']],
    [['pods', '-A', '-o', 'name']],
    [['pods', '-n', 'team-a', '-o', 'jsonpath={.items[*].metadata.name}']],
    [['pods', '-n', 'team-a', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.nodeName}{"\\n"}{end}']],
    [['pod', 'web-1', '-n', 'team-a', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']],
    [['pods', '-n', 'team-a', '-o', 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image']],
    [['pods', '-n', 'team-b', '-o', 'yaml', '-l', 'nothing=here']],
  ])('skiff get %j', async (args) => {
    const mine = await skiff('get', ...args);
    const theirs = await kubectl('get', ...args);
    expect(mine.code).toBe(0);
    expect(mine.out).toBe(theirs.out);
  });
});

describe('get: errors', () => {
  it('reports a missing object in kubectl words and exits 1, still printing the others', async () => {
    const res = await skiff('get', 'pods', 'web-1', 'nope', '-n', 'team-a');
    expect(res.code).toBe(1);
    expect(tableCells(res.out).map((r) => r[0])).toEqual(['NAME', 'web-1']);
    expect(res.err).toBe('Error from server (NotFound): pods "nope" not found\n');
  });

  it('says when nothing matched, on stderr, naming the namespace', async () => {
    expect(await skiff('get', 'deploy', '-n', 'team-b')).toEqual({ out: '', err: 'No resources found in team-b namespace.\n', code: 0 });
    expect((await skiff('get', 'pods', '-A', '-l', 'app=none')).err).toBe('No resources found\n');
  });

  it('refuses an unknown type', async () => {
    expect(await skiff('get', 'widgets')).toEqual({ out: '', err: `error: the server doesn't have a resource type "widgets"\n`, code: 1 });
  });
});

describe('get -w', () => {
  it('lists, then prints a row for each change until stopped', async () => {
    const ctl = new AbortController();
    const run = runSkiff(s.kubeconfig, ['get', 'pods', '-n', 'team-b', '-w'], { signal: ctl.signal });
    const { cliIO } = await import('../src/cli/action.js');
    const pods = rc('v1', 'Pod');
    // The verb writes to the captured stream; wait until the initial list is out.
    await until('the initial table', async () => ((cliIO.out as unknown as { text?: string }).text?.includes('other') ? true : undefined));
    await pods.create('team-b', pod('late', 'team-b', { app: 'late' }));
    await until('the new pod row', async () => ((cliIO.out as unknown as { text?: string }).text?.includes('late') ? true : undefined));
    ctl.abort();
    const res = await run;
    expect(res.code).toBe(0);
    const rows = tableCells(res.out);
    expect(rows[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['other', 'late']);
  });
});
