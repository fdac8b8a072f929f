import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadManifests, parseManifests, readManifestObjects, readManifests } from './manifests.js';

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers: [{name: c, image: i}]\n`;

describe('parseManifests', () => {
  it('reads every document of a multi-document file with its position, skipping empty ones', () => {
    const text = `# leading comment\n${pod('a')}---\n---\n${pod('b')}`;
    const { manifests, errors } = parseManifests(text, 'pods.yaml');
    expect(errors).toEqual([]);
    expect(manifests.map((m) => [m.object.metadata.name, m.document, m.line])).toEqual([
      ['a', 1, 2],
      ['b', 3, 10],
    ]);
    expect(manifests[0]!.source).toBe('pods.yaml');
  });

  it('reads JSON objects', () => {
    const { manifests } = parseManifests('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"1"}}', 'cm.json');
    expect(manifests[0]!.object).toMatchObject({ kind: 'ConfigMap', data: { a: '1' } });
  });

  it('expands a List into its items, each with its own line', () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: two}\n`;
    const { manifests } = parseManifests(text, 'list.yaml');
    expect(manifests.map((m) => [m.object.metadata.name, m.line])).toEqual([
      ['one', 4],
      ['two', 7],
    ]);
  });

  it('reports a syntax error with file, document, line and column, and keeps the other documents', () => {
    const docs = [pod('p1'), pod('p2'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  labels: {a: b\nspec: {}\n', pod('p4'), pod('p5')];
    const { manifests, errors } = parseManifests(docs.join('---\n'), 'five.yaml');
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(['p1', 'p2', 'p4', 'p5']);
    expect(errors).toHaveLength(1);
    const e = errors[0]!;
    expect(e.source).toBe('five.yaml');
    expect(e.position.document).toBe(3);
    // The third document starts on line 15; its unclosed "{" is detected where "spec:" begins.
    expect(e.position).toEqual({ document: 3, line: 20, column: 1 });
    expect(e.message).toBe(
      'error parsing five.yaml: document 3: yaml: line 20, column 1: Flow map in block collection must be sufficiently indented and end with a }',
    );
  });

  it('reports a tab used as indentation at its exact place', () => {
    const { errors } = parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n', 'tab.yaml');
    expect(errors[0]!.position).toMatchObject({ line: 4, column: 1 });
  });

  it('refuses documents without apiVersion or kind in kubectl words, naming the line', () => {
    const { manifests, errors } = parseManifests(`${pod('ok')}---\nmetadata:\n  name: x\n---\n- just\n- a list\n`, 'f.yaml');
    expect(manifests).toHaveLength(1);
    expect(errors.map((e) => e.message)).toEqual([
      'error validating "f.yaml": document 2 (line 8): error validating data: [apiVersion not set, kind not set]',
      'error validating "f.yaml": document 3 (line 11): error validating data: the document is not an object',
    ]);
  });
});

describe('loadManifests', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-manifests-'));
    writeFileSync(join(dir, 'b.yaml'), pod('b'));
    writeFileSync(join(dir, 'a.yml'), pod('a'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' } }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a folder in name order, only manifest extensions, subfolders with -R only', () => {
    expect(readManifestObjects([dir]).map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(readManifestObjects([dir], { recursive: true }).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('reads stdin for "-"', async () => {
    const { manifests } = await loadManifests(['-'], { stdin: Readable.from([pod('from-stdin')]) });
    expect(manifests.map((m) => [m.object.metadata.name, m.source])).toEqual([['from-stdin', 'STDIN']]);
  });

  it('reports a missing path as kubectl does and still reads the others', () => {
    const { manifests, errors } = readManifests([join(dir, 'nope.yaml'), join(dir, 'a.yml')]);
    expect(manifests).toHaveLength(1);
    expect(errors[0]!.message).toBe(`the path "${join(dir, 'nope.yaml')}" does not exist`);
  });
});
