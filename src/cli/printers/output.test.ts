import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { toTable } from '../../printers/table.js';
import { formatObjects, objectName, parseOutputFormat, tableRows, toYaml } from './output.js';
import { alignRows, TabWriter } from './tabwriter.js';

const now = Date.parse('2026-01-01T00:10:00Z');
const pod = (name: string, ns: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'node-1' },
  status: { phase: 'Running', podIP: '10.0.0.5', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }], conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('tabwriter', () => {
  it('pads every cell but the last to its column width plus three, at least six', () => {
    expect(alignRows([['NAME', 'AGE'], ['a', '5m'], ['longer-name', '10d']])).toBe('NAME          AGE\na             5m\nlonger-name   10d\n');
    expect(alignRows([['A', 'B', 'C']])).toBe('A     B     C\n');
  });

  it('remembers widths across writes so watched rows line up', () => {
    const tw = new TabWriter();
    expect(tw.format([['NAME', 'STATUS'], ['web', 'Pending']])).toBe('NAME   STATUS\nweb    Pending\n');
    expect(tw.format([['w', 'Running']])).toBe('w      Running\n');
  });
});

describe('tableRows (server-printed tables)', () => {
  const table = toTable('', 'pods', [pod('web', 'default', { app: 'web', tier: 'a' }), pod('db', 'data')], { now, includeObject: 'Metadata' });

  it('hides wide columns unless asked, upper-casing headers', () => {
    expect(alignRows(tableRows(table))).toBe(
      'NAME   READY   STATUS    RESTARTS   AGE\nweb    1/1     Running   0          10m\ndb     1/1     Running   0          10m\n',
    );
    expect(tableRows(table, { wide: true })[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  });

  it('adds NAMESPACE first for -A and LABELS last for --show-labels, from the row objects', () => {
    const rows = tableRows(table, { withNamespace: true, showLabels: true });
    expect(rows[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
    expect(rows[1]![0]).toBe('default');
    expect(rows[1]![6]).toBe('app=web,tier=a');
    expect(rows[2]![6]).toBe('<none>');
  });

  it('prefixes names with kind.group when several types are listed, and drops headers on request', () => {
    const rows = tableRows(table, { kindPrefix: 'pod', noHeaders: true });
    expect(rows.map((r) => r[0])).toEqual(['pod/web', 'pod/db']);
  });

  it('adds a column per -L label', () => {
    const rows = tableRows(table, { labelColumns: ['app', 'example.com/tier'] });
    expect(rows[0]!.slice(-2)).toEqual(['APP', 'TIER']);
    expect(rows[1]!.slice(-2)).toEqual(['web', '']);
  });
});

describe('object formats', () => {
  it('writes YAML as kubectl does: sorted keys, flush sequences, quoted timestamps', () => {
    expect(toYaml(pod('web', 'default'))).toBe(`apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: "2026-01-01T00:00:00Z"
  labels: {}
  name: web
  namespace: default
spec:
  containers:
  - image: i
    name: c
  nodeName: node-1
status:
  conditions:
  - status: "True"
    type: Ready
  containerStatuses:
  - name: c
    ready: true
    restartCount: 0
    state:
      running: {}
  phase: Running
  podIP: 10.0.0.5
`);
  });

  it('wraps several objects in a List and keeps one named object bare', () => {
    const objs = [pod('a', 'x'), pod('b', 'x')];
    expect(formatObjects(objs, { kind: 'json' }, false)).toMatch(/^{\n {4}"apiVersion": "v1",\n {4}"items": \[/);
    expect(formatObjects(objs.slice(0, 1), { kind: 'yaml' }, true)).toMatch(/^apiVersion: v1\nkind: Pod\n/);
    expect(formatObjects(objs, { kind: 'yaml' }, false)).toMatch(/kind: List\nmetadata:\n {2}resourceVersion: ""\n$/);
  });

  it('names objects kind.group/name', () => {
    expect(objectName({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } })).toBe('deployment.apps/web');
    expect(objectName(pod('web', 'x'))).toBe('pod/web');
  });

  it('prints custom columns with <none> for missing values', () => {
    const format = parseOutputFormat('custom-columns=NAME:.metadata.name,NODE:spec.nodeName,IMAGES:.spec.containers[*].image,X:.nope');
    expect(formatObjects([pod('web', 'x')], format as Exclude<typeof format, { kind: 'table' }>, false)).toBe(
      'NAME   NODE     IMAGES   X\nweb    node-1   i        <none>\n',
    );
  });

  it('refuses unknown formats in kubectl words', () => {
    expect(() => parseOutputFormat('xml')).toThrow(/unable to match a printer suitable for the output format "xml"/);
    expect(() => parseOutputFormat('wide', ['json', 'yaml', 'name'])).toThrow(/allowed formats are: json,yaml,name/);
  });
});
