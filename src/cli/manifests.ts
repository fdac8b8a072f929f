// Reading manifests the way kubectl's -f does: files, folders (-R for
// subfolders), "-" for stdin; multi-document YAML, JSON, and List kinds
// expanded into their items. Every object remembers where it came from, and
// a document that cannot be read is reported with its file, line and column
// while the documents around it are still returned.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { KubeObject } from '../api/meta.js';

export interface Manifest {
  object: KubeObject;
  /** the file as named on the command line (or found in a folder); "STDIN" for "-" */
  source: string;
  /** 1-based index of the YAML document within its source */
  document: number;
  /** 1-based line where the object starts */
  line: number;
}

/** A document that is not a usable object, or a file that cannot be read. */
export class ManifestError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly position: { document?: number; line?: number; column?: number } = {},
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface LoadedManifests {
  manifests: Manifest[];
  errors: ManifestError[];
}

const MANIFEST_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/**
 * Parses one source's text: every YAML (or JSON) document in order, empty
 * documents skipped, Lists expanded. A document with a syntax error, or that
 * is not an object with apiVersion and kind, becomes an error naming its
 * position; the other documents are still returned.
 */
export function parseManifests(text: string, source: string): LoadedManifests {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const out: LoadedManifests = { manifests: [], errors: [] };
  // An empty stream comes back as an EmptyStream rather than an array.
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, i) => {
    const document = i + 1;
    const startOffset = documentStart(doc);
    const line = lineCounter.linePos(startOffset).line;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = lineCounter.linePos(e.pos[0]);
      out.errors.push(
        new ManifestError(
          `error parsing ${source}: document ${document}: yaml: line ${pos.line}, column ${pos.col}: ${firstLine(e.message)}`,
          source,
          { document, line: pos.line, column: pos.col },
        ),
      );
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) return;
    const bad = (what: string): void => {
      out.errors.push(
        new ManifestError(`error validating "${source}": document ${document} (line ${line}): ${what}`, source, { document, line, column: 1 }),
      );
    };
    if (typeof value !== 'object' || Array.isArray(value)) {
      bad(`error validating data: the document is not an object`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const problem = objectProblem(obj);
    if (problem) {
      bad(`error validating data: ${problem}`);
      return;
    }
    if (isListKind(obj)) {
      const items = obj.items as unknown[];
      const itemLines = listItemLines(doc, lineCounter);
      items.forEach((item, j) => {
        const itemLine = itemLines[j] ?? line;
        const p = typeof item === 'object' && item !== null && !Array.isArray(item) ? objectProblem(item as Record<string, unknown>) : 'the list item is not an object';
        if (p) {
          out.errors.push(
            new ManifestError(`error validating "${source}": document ${document} (line ${itemLine}): items[${j}]: error validating data: ${p}`, source, {
              document,
              line: itemLine,
              column: 1,
            }),
          );
          return;
        }
        out.manifests.push({ object: normalize(item as Record<string, unknown>), source, document, line: itemLine });
      });
      return;
    }
    out.manifests.push({ object: normalize(obj), source, document, line });
  });
  return out;
}

function documentStart(doc: Document.Parsed): number {
  const contents = doc.contents;
  if (contents && contents.range) return contents.range[0];
  return doc.range[0];
}

function listItemLines(doc: Document.Parsed, lc: LineCounter): number[] {
  const contents = doc.contents;
  if (!isMap(contents)) return [];
  const items = contents.get('items', true);
  if (!isSeq(items)) return [];
  return items.items.map((node) => {
    const range = (node as { range?: [number, number, number] }).range;
    return range ? lc.linePos(range[0]).line : 0;
  });
}

const firstLine = (s: string): string => s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

function objectProblem(obj: Record<string, unknown>): string | undefined {
  const missing: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') missing.push('apiVersion not set');
  if (typeof obj.kind !== 'string' || obj.kind === '') missing.push('kind not set');
  if (missing.length === 0) return undefined;
  return missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`;
}

function isListKind(obj: Record<string, unknown>): boolean {
  return typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items);
}

/** Every object gets a metadata map, so callers can read metadata.name without guarding. */
function normalize(obj: Record<string, unknown>): KubeObject {
  const metadata = obj.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return { ...obj, metadata: {} } as KubeObject;
  }
  return obj as KubeObject;
}

export interface ManifestLoadOptions {
  /** -R: walk subfolders of folder arguments */
  recursive?: boolean;
  /** where "-" reads from; process.stdin by default */
  stdin?: NodeJS.ReadableStream;
}

/**
 * Loads every -f argument in order. A missing path or an unreadable file is an
 * error in the result (kubectl's words), not an exception, so one bad
 * argument does not hide the others.
 */
export async function loadManifests(filenames: string[], opts: ManifestLoadOptions = {}): Promise<LoadedManifests> {
  const out: LoadedManifests = { manifests: [], errors: [] };
  for (const name of filenames) {
    if (name === '-') {
      const text = await readAll(opts.stdin ?? process.stdin);
      merge(out, parseManifests(text, 'STDIN'));
      continue;
    }
    merge(out, readManifestPath(name, opts.recursive ?? false));
  }
  return out;
}

/** The synchronous form for files and folders (no stdin): what tests and `skiff up` use. */
export function readManifests(filenames: string[], opts: { recursive?: boolean } = {}): LoadedManifests {
  const out: LoadedManifests = { manifests: [], errors: [] };
  for (const name of filenames) merge(out, readManifestPath(name, opts.recursive ?? false));
  return out;
}

/** The objects of files and folders, throwing the first problem: for callers that need all or nothing. */
export function readManifestObjects(filenames: string[], opts: { recursive?: boolean } = {}): KubeObject[] {
  const { manifests, errors } = readManifests(filenames, opts);
  if (errors.length > 0) throw errors[0]!;
  return manifests.map((m) => m.object);
}

function merge(into: LoadedManifests, from: LoadedManifests): void {
  into.manifests.push(...from.manifests);
  into.errors.push(...from.errors);
}

function readManifestPath(path: string, recursive: boolean): LoadedManifests {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return { manifests: [], errors: [new ManifestError(`the path "${path}" does not exist`, path)] };
  }
  if (!isDir) return readManifestFile(path);
  const out: LoadedManifests = { manifests: [], errors: [] };
  for (const file of manifestFilesIn(path, recursive)) merge(out, readManifestFile(file));
  return out;
}

/** The manifest files of a folder in lexical order, as kubectl walks it. */
export function manifestFilesIn(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...manifestFilesIn(full, true));
    } else if (MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) {
      out.push(full);
    }
  }
  return out;
}

function readManifestFile(path: string): LoadedManifests {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { manifests: [], errors: [new ManifestError(`error reading "${path}": ${(err as Error).message}`, path)] };
  }
  return parseManifests(text, path);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
