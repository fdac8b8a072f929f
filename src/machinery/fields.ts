// Field selectors, as k8s.io/apimachinery/pkg/fields parses them, and the
// fields each resource lets a list or watch select on (the apiserver's
// per-kind field label conversion functions and ToSelectableFields).
import { goStringCompare } from './goformat.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `==` parses to `=`, as in Kubernetes. */
  readonly operator: FieldOperator;
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: Fields): boolean;
  empty(): boolean;
  toString(): string;
  /** The value a field must equal, when the selector pins it (e.g. spec.nodeName for a kubelet's watch). */
  requiresExactMatch(field: string): string | undefined;
}

/** fields.EscapeValue: the inverse of the unescaping parse applies to values. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

function termToString(r: FieldRequirement): string {
  return `${r.field}${r.operator}${escapeFieldValue(r.value)}`;
}

class TermsSelector implements FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}
  matches(fields: Fields): boolean {
    return this.requirements.every((r) => {
      const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(termToString).join(',');
  }
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.operator === '=') return r.value;
    return undefined;
  }
}

export function everythingFields(): FieldSelector {
  return new TermsSelector([]);
}

/** fields.SelectorFromSet: every field must equal the given value. */
export function fieldSelectorFromSet(set: Fields): FieldSelector {
  return new TermsSelector(
    Object.keys(set)
      .sort(goStringCompare)
      .map((field) => ({ field, operator: '=' as const, value: set[field]! })),
  );
}

/** Splits on commas not preceded by a backslash, keeping the escapes for unescapeValue. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

// "!=" before "==" before "=", or "a!=b" would split at its "=".
const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      // Go prints the rune with %v, which is its code point.
      throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * fields.ParseSelector: comma-separated `field=value`, `field==value`,
 * `field!=value`; `\,` `\=` `\\` escape those characters in values. No
 * whitespace is trimmed, as in Kubernetes. Throws FieldSelectorError.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort(goStringCompare);
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  return new TermsSelector(reqs);
}

// ---- what each resource supports ----

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Keyed by resource plural; anything absent supports only the two metadata fields. */
const SUPPORTED: Readonly<Record<string, readonly string[]>> = {
  pods: [
    ...META_FIELDS,
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  events: [
    ...META_FIELDS,
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  secrets: [...META_FIELDS, 'type'],
  services: [...META_FIELDS, 'spec.clusterIP', 'spec.type'],
  // Cluster-scoped kinds with their own conversion function accept no metadata.namespace.
  nodes: ['metadata.name', 'spec.unschedulable'],
  namespaces: ['metadata.name', 'status.phase'],
  replicasets: [...META_FIELDS, 'status.replicas'],
  replicationcontrollers: [...META_FIELDS, 'status.replicas'],
  jobs: [...META_FIELDS, 'status.successful'],
};

/** Old names the apiserver still accepts and rewrites. */
const ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  pods: { 'spec.host': 'spec.nodeName' },
};

export function supportedFieldLabels(resourcePlural: string): readonly string[] {
  return SUPPORTED[resourcePlural] ?? META_FIELDS;
}

/**
 * What the apiserver does to a list's field selector before using it: renames
 * aliases and rejects fields the resource does not index, with Kubernetes'
 * message ("field label not supported: spec.foo"), which the server sends back
 * as a 400 BadRequest.
 */
export function convertFieldSelector(resourcePlural: string, sel: FieldSelector): FieldSelector {
  const supported = supportedFieldLabels(resourcePlural);
  const aliases = ALIASES[resourcePlural] ?? {};
  const reqs = sel.requirements.map((r) => {
    const field = aliases[r.field] ?? r.field;
    if (!supported.includes(field)) throw new FieldSelectorError(`field label not supported: ${r.field}`);
    return { ...r, field };
  });
  return new TermsSelector(reqs);
}

function get(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function str(obj: unknown, ...path: string[]): string {
  const v = get(obj, ...path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function int(obj: unknown, ...path: string[]): string {
  const v = get(obj, ...path);
  return typeof v === 'number' ? String(Math.trunc(v)) : '0';
}

/** The field set a selector is matched against, for an object of the given resource in wire form. */
export function objectFields(resourcePlural: string, obj: unknown): Record<string, string> {
  const f: Record<string, string> = {
    'metadata.name': str(obj, 'metadata', 'name'),
    'metadata.namespace': str(obj, 'metadata', 'namespace'),
  };
  switch (resourcePlural) {
    case 'pods': {
      f['spec.nodeName'] = str(obj, 'spec', 'nodeName');
      f['spec.restartPolicy'] = str(obj, 'spec', 'restartPolicy');
      f['spec.schedulerName'] = str(obj, 'spec', 'schedulerName');
      f['spec.serviceAccountName'] = str(obj, 'spec', 'serviceAccountName');
      f['spec.hostNetwork'] = get(obj, 'spec', 'hostNetwork') === true ? 'true' : 'false';
      f['status.phase'] = str(obj, 'status', 'phase');
      const ips = get(obj, 'status', 'podIPs');
      const first = Array.isArray(ips) && ips.length > 0 ? str(ips[0], 'ip') : '';
      f['status.podIP'] = first || str(obj, 'status', 'podIP');
      f['status.nominatedNodeName'] = str(obj, 'status', 'nominatedNodeName');
      break;
    }
    case 'events': {
      for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
        f[`involvedObject.${k}`] = str(obj, 'involvedObject', k);
      }
      f['reason'] = str(obj, 'reason');
      f['reportingComponent'] = str(obj, 'reportingComponent');
      f['source'] = str(obj, 'source', 'component') || str(obj, 'reportingComponent');
      f['type'] = str(obj, 'type');
      break;
    }
    case 'secrets':
      f['type'] = str(obj, 'type');
      break;
    case 'services':
      f['spec.clusterIP'] = str(obj, 'spec', 'clusterIP');
      f['spec.type'] = str(obj, 'spec', 'type');
      break;
    case 'nodes':
      f['spec.unschedulable'] = get(obj, 'spec', 'unschedulable') === true ? 'true' : 'false';
      break;
    case 'namespaces':
      f['status.phase'] = str(obj, 'status', 'phase');
      break;
    case 'replicasets':
    case 'replicationcontrollers':
      f['status.replicas'] = int(obj, 'status', 'replicas');
      break;
    case 'jobs':
      f['status.successful'] = int(obj, 'status', 'succeeded');
      break;
  }
  return f;
}
