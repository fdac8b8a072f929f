// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): text with
// {expressions}: fields (.a.b, ['a.b']), wildcards (* and [*]), indexes and
// slices ([0], [-1], [1:3]), recursive descent (..name), unions ([0,2],
// ['a','b']), filters ([?(@.type=="Ready")], [?(@.port>80)], [?(@.x)]),
// "string literals", and {range EXPR}...{end}. Missing keys print nothing,
// as kubectl's --allow-missing-template-keys (default true) asks.
import { goJsonCompact, goJsonIndent, goPrint } from './gojson.js';

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

type Step =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; items: ({ index: number } | { start?: number; end?: number; step?: number })[] }
  | { kind: 'filter'; left: Step[]; op?: string; right?: Operand };

type Operand = { literal: unknown } | { path: Step[]; root: boolean };

interface Expr {
  /** `$...`: from the document root even inside a range */
  fromRoot: boolean;
  steps: Step[];
}

type Node = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr } | { kind: 'range'; expr: Expr; body: Node[] };

/** A parsed template, ready to run against many objects. */
export class JsonPath {
  private readonly nodes: Node[];

  constructor(
    readonly template: string,
    private readonly opts: { outputJson?: boolean } = {},
  ) {
    this.nodes = parseTemplate(template);
  }

  execute(data: unknown): string {
    return run(this.nodes, data, data, this.opts.outputJson ?? false);
  }

  /** The values one expression template selects (custom-columns uses this). */
  values(data: unknown): unknown[] {
    const out: unknown[] = [];
    for (const n of this.nodes) {
      if (n.kind === 'expr') out.push(...evaluate(n.expr, data, data));
    }
    return out;
  }
}

// ---- parsing ----

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  let i = 0;
  let text = '';
  const flushText = (): void => {
    if (text) stack[stack.length - 1]!.body.push({ kind: 'text', text });
    text = '';
  };
  while (i < template.length) {
    const ch = template[i]!;
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    const end = findActionEnd(template, i + 1);
    if (end < 0) throw new JsonPathError(`unclosed action`);
    const action = template.slice(i + 1, end).trim();
    i = end + 1;
    flushText();
    const top = stack[stack.length - 1]!;
    if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
      continue;
    }
    if (action.startsWith('range ') || action === 'range') {
      const node: Node = { kind: 'range', expr: parseExpr(action.slice(5).trim()), body: [] };
      top.body.push(node);
      stack.push(node);
      continue;
    }
    for (const part of splitAction(action)) {
      if (part.startsWith('"')) top.body.push({ kind: 'text', text: unquote(part) });
      else top.body.push({ kind: 'expr', expr: parseExpr(part) });
    }
  }
  flushText();
  if (stack.length > 1) throw new JsonPathError('unclosed range: missing {end}');
  return root;
}

/** The index of the `}` closing an action opened before `from`, skipping quoted text and brackets. */
function findActionEnd(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'") {
      i = skipQuoted(s, i);
      continue;
    }
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '}' && depth <= 0) return i;
  }
  return -1;
}

function skipQuoted(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === q) return i;
  }
  throw new JsonPathError(`unterminated quoted string`);
}

/** An action may hold several space-separated parts: `{.a "," .b}`. */
function splitAction(action: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < action.length; i++) {
    const c = action[i]!;
    if (c === '"' || c === "'") {
      const j = skipQuoted(action, i);
      cur += action.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '[' || c === '(') depth++;
    if (c === ']' || c === ')') depth--;
    if (/\s/.test(c) && depth === 0) {
      if (cur) parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur) parts.push(cur);
  return parts;
}

function unquote(q: string): string {
  try {
    return JSON.parse(q.startsWith("'") ? `"${q.slice(1, -1).replace(/"/g, '\\"')}"` : q) as string;
  } catch {
    throw new JsonPathError(`invalid string literal ${q}`);
  }
}

function parseExpr(src: string): Expr {
  const fromRoot = src[0] === '$';
  let i = src[0] === '$' || src[0] === '@' ? 1 : 0;
  const steps: Step[] = [];
  while (i < src.length) {
    const c = src[i]!;
    if (c === '.') {
      if (src[i + 1] === '.') {
        steps.push({ kind: 'recursive' });
        i += 2;
        if (src[i] === '[') continue;
      } else i++;
      if (src[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < src.length && src[i] !== '.' && src[i] !== '[') {
        if (src[i] === '\\' && i + 1 < src.length) {
          name += src[i + 1];
          i += 2;
          continue;
        }
        name += src[i];
        i++;
      }
      if (name) steps.push({ kind: 'field', names: [name] });
      continue;
    }
    if (c === '[') {
      const close = matchingBracket(src, i);
      steps.push(parseBracket(src.slice(i + 1, close).trim()));
      i = close + 1;
      continue;
    }
    // A bare leading name, as in custom-columns written without the dot.
    let name = '';
    while (i < src.length && src[i] !== '.' && src[i] !== '[') name += src[i++];
    steps.push({ kind: 'field', names: [name] });
  }
  return { fromRoot, steps };
}

function matchingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'") {
      i = skipQuoted(s, i);
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed array expect ]`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) {
    const body = inner.slice(1).trim();
    if (!body.startsWith('(') || !body.endsWith(')')) throw new JsonPathError(`unclosed filter: ${inner}`);
    return parseFilter(body.slice(1, -1).trim());
  }
  const parts = splitTopLevel(inner, ',');
  if (parts.every((p) => p.startsWith("'") || p.startsWith('"'))) return { kind: 'field', names: parts.map(unquote) };
  return {
    kind: 'index',
    items: parts.map((p) => {
      if (!p.includes(':')) return { index: parseIntStrict(p) };
      const [a, b, c] = p.split(':').map((x) => x.trim());
      return {
        ...(a ? { start: parseIntStrict(a) } : {}),
        ...(b ? { end: parseIntStrict(b) } : {}),
        ...(c ? { step: parseIntStrict(c) } : {}),
      };
    }),
  };
}

function parseIntStrict(s: string): number {
  if (!/^-?\d+$/.test(s.trim())) throw new JsonPathError(`invalid array index ${s}`);
  return Number(s);
}

function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'") {
      const j = skipQuoted(s, i);
      cur += s.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === sep) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

const FILTER_OPS = ['==', '!=', '<=', '>=', '<', '>', '=~'];

function parseFilter(body: string): Step {
  let opAt = -1;
  let op = '';
  for (let i = 0; i < body.length && opAt < 0; i++) {
    const c = body[i]!;
    if (c === '"' || c === "'") {
      i = skipQuoted(body, i);
      continue;
    }
    for (const candidate of FILTER_OPS) {
      if (body.startsWith(candidate, i)) {
        opAt = i;
        op = candidate;
        break;
      }
    }
  }
  if (opAt < 0) return { kind: 'filter', left: parseExpr(body).steps };
  const left = body.slice(0, opAt).trim();
  const right = body.slice(opAt + op.length).trim();
  return { kind: 'filter', left: parseExpr(left).steps, op, right: parseOperand(right) };
}

function parseOperand(s: string): Operand {
  if (s.startsWith('"') || s.startsWith("'")) return { literal: unquote(s) };
  if (s === 'true' || s === 'false') return { literal: s === 'true' };
  if (s === 'null' || s === 'nil') return { literal: null };
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) return { literal: Number(s) };
  const e = parseExpr(s);
  return { path: e.steps, root: e.fromRoot };
}

// ---- evaluation ----

function evaluate(expr: Expr, root: unknown, current: unknown): unknown[] {
  return walk(expr.steps, [expr.fromRoot ? root : current], root);
}

function walk(steps: Step[], start: unknown[], root: unknown): unknown[] {
  let nodes = start;
  for (const step of steps) nodes = applyStep(step, nodes, root);
  return nodes;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function applyStep(step: Step, nodes: unknown[], root: unknown): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field':
      for (const n of nodes) {
        if (!isObj(n)) continue;
        for (const name of step.names) if (name in n && n[name] !== undefined) out.push(n[name]);
      }
      return out;
    case 'wildcard':
      for (const n of nodes) {
        if (Array.isArray(n)) out.push(...n);
        else if (isObj(n)) out.push(...Object.values(n));
      }
      return out;
    case 'recursive':
      for (const n of nodes) descendants(n, out);
      return out;
    case 'index':
      for (const n of nodes) {
        if (!Array.isArray(n)) continue;
        for (const item of step.items) {
          if ('index' in item) {
            const i = item.index < 0 ? n.length + item.index : item.index;
            if (i >= 0 && i < n.length) out.push(n[i]);
          } else {
            out.push(...slice(n, item.start, item.end, item.step));
          }
        }
      }
      return out;
    case 'filter':
      for (const n of nodes) {
        const items = Array.isArray(n) ? n : [];
        for (const item of items) if (filterMatches(step, item, root)) out.push(item);
      }
      return out;
  }
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) descendants(x, out);
  else if (isObj(v)) for (const x of Object.values(v)) descendants(x, out);
}

function slice(arr: unknown[], start?: number, end?: number, step?: number): unknown[] {
  const len = arr.length;
  const norm = (i: number): number => (i < 0 ? Math.max(0, len + i) : Math.min(i, len));
  const s = start === undefined ? 0 : norm(start);
  const e = end === undefined ? len : norm(end);
  const st = step && step > 0 ? step : 1;
  const out: unknown[] = [];
  for (let i = s; i < e; i += st) out.push(arr[i]);
  return out;
}

function filterMatches(step: Extract<Step, { kind: 'filter' }>, item: unknown, root: unknown): boolean {
  const left = walk(step.left, [item], root);
  if (!step.op || !step.right) return left.length > 0 && left[0] !== null && left[0] !== false;
  const rights = 'literal' in step.right ? [step.right.literal] : walk(step.right.path, [step.right.root ? root : item], root);
  if (left.length === 0 || rights.length === 0) return false;
  const a = left[0];
  const b = rights[0];
  switch (step.op) {
    case '==':
      return looseEqual(a, b);
    case '!=':
      return !looseEqual(a, b);
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a);
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = b as number | string;
      return step.op === '<' ? x < y : step.op === '>' ? x > y : step.op === '<=' ? x <= y : x >= y;
    }
  }
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return goJsonCompact(a) === goJsonCompact(b);
  return a === b;
}

function run(nodes: Node[], root: unknown, current: unknown, outputJson: boolean): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'expr') out += printResults(evaluate(n.expr, root, current), outputJson);
    else for (const item of evaluate(n.expr, root, current)) out += run(n.body, root, item, outputJson);
  }
  return out;
}

function printResults(values: unknown[], outputJson: boolean): string {
  return values
    .map((v) => {
      if (outputJson) return goJsonIndent(v) + '\n';
      if (typeof v === 'object' && v !== null) return goJsonCompact(v);
      return goPrint(v);
    })
    .join(' ');
}
