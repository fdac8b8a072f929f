// Label selectors, parsed and printed as k8s.io/apimachinery/pkg/labels does:
// the same grammar, the same normal form (requirements sorted by key, values
// sorted) and the same error messages, since kubectl shows them verbatim.
import type { LabelSelector } from '../api/meta.js';
import { goQuote, goStringCompare } from './goformat.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** selection.Operator: the strings Kubernetes itself uses. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export const BINARY_OPERATORS: readonly Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted for parsed selectors; the order given for ones built from a LabelSelector. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined | null;

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

export interface Selector {
  /** ANDed; empty for a selector that matches everything and for the one that matches nothing. */
  readonly requirements: readonly Requirement[];
  /** False only for the selector of a nil LabelSelector, which matches nothing. */
  readonly selectable: boolean;
  matches(labels: Labels): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  toString(): string;
  /** The single value a key must have, when the selector pins it (used to narrow an index lookup). */
  requiresExactMatch(key: string): string | undefined;
  add(...reqs: Requirement[]): Selector;
}

function has(labels: Labels, key: string): boolean {
  return labels != null && Object.prototype.hasOwnProperty.call(labels, key);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes(labels![r.key]!);
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes(labels![r.key]!);
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key) || r.values.length !== 1) return false;
      const lv = parseInt64(labels![r.key]!);
      const rv = parseInt64(r.values[0]!);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function sortedValues(values: readonly string[]): string[] {
  return [...values].sort(goStringCompare);
}

export function requirementToString(r: Requirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  const vals = r.values.length === 1 ? r.values[0]! : sortedValues(r.values).join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

function byKey(a: Requirement, b: Requirement): number {
  return goStringCompare(a.key, b.key);
}

class RequirementsSelector implements Selector {
  readonly selectable = true;
  constructor(readonly requirements: readonly Requirement[]) {}

  matches(labels: Labels): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
  add(...reqs: Requirement[]): Selector {
    return new RequirementsSelector([...this.requirements, ...reqs].sort(byKey));
  }
}

class NothingSelector implements Selector {
  readonly selectable = false;
  readonly requirements: readonly Requirement[] = [];
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
  add(): Selector {
    return this;
  }
}

const EVERYTHING: Selector = new RequirementsSelector([]);
const NOTHING: Selector = new NothingSelector();

export function everything(): Selector {
  return EVERYTHING;
}

export function nothing(): Selector {
  return NOTHING;
}

// ---- field errors in the shape k8s.io/apimachinery/pkg/util/validation/field prints ----

/** field.Invalid(path, value, detail).Error(); a nil path prints as "<nil>", as it does in Go. */
function invalidMessage(path: string, value: string | readonly string[] | null, detail: string): string {
  const v = typeof value === 'string' ? goQuote(value) : JSON.stringify(value);
  return `${path}: Invalid value: ${v}: ${detail}`;
}

/** utilerrors.NewAggregate(errs).Error(): one message alone, several deduplicated in brackets. */
function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

function keyError(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalidMessage(path, key, errs.join('; ')) : undefined;
}

/** labels.NewRequirement: checks the key, the number of values for the operator, and each value. */
export function newRequirement(key: string, operator: Operator, values: readonly string[] | null): Requirement {
  const errs: string[] = [];
  const vals = values ?? [];
  const kerr = keyError(key, 'key');
  if (kerr) errs.push(kerr);
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(invalidMessage('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(invalidMessage('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(invalidMessage('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(invalidMessage('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalidMessage(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default: {
      const supported = [...BINARY_OPERATORS, 'exists', '!'].map((o) => goQuote(o)).join(', ');
      errs.push(`operator: Unsupported value: ${goQuote(String(operator))}: supported values: ${supported}`);
    }
  }
  vals.forEach((v, i) => {
    const verrs = isValidLabelValue(v);
    if (verrs.length) errs.push(invalidMessage(`values[${i}][${key}]`, v, verrs.join('; ')));
  });
  if (errs.length) throw new SelectorParseError(aggregate(errs));
  return { key, operator, values: [...vals] };
}

// ---- the lexer and parser of labels.Parse ----

type Token =
  | 'eos'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const STRING_TO_TOKEN: Readonly<Record<string, Token>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

interface Item {
  tok: Token;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(s: string): Item[] {
  let pos = 0;
  const items: Item[] = [];
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos]!)) {
      // The longest run of special characters that still forms an operator;
      // every single special character is one, so this always finds a token.
      let buf = s[pos]!;
      let last: Item = { tok: STRING_TO_TOKEN[buf]!, lit: buf };
      pos++;
      while (pos < s.length && isSpecial(s[pos]!)) {
        buf += s[pos];
        const tok = Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, buf) ? STRING_TO_TOKEN[buf] : undefined;
        if (!tok) break;
        last = { tok, lit: buf };
        pos++;
      }
      items.push(last);
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos]!) && !isWhitespace(s[pos]!)) buf += s[pos++];
    const kw = buf === 'in' || buf === 'notin' ? buf : undefined;
    items.push({ tok: kw ?? 'identifier', lit: buf });
  }
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  private view(item: Item, ctx: Context): Item {
    // "in" and "notin" are ordinary words wherever a key or value may stand.
    if (ctx === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'identifier', lit: item.lit };
    return item;
  }
  lookahead(ctx: Context): Item {
    return this.view(this.items[this.position]!, ctx);
  }
  consume(ctx: Context): Item {
    return this.view(this.items[this.position++]!, ctx);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      switch (tok) {
        case 'identifier':
        case '!': {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            if (e instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${e.message}`);
            throw e;
          }
          reqs.push(r);
          const t = this.consume('values');
          switch (t.tok) {
            case 'eos':
              return reqs;
            case ',': {
              const t2 = this.lookahead('values');
              if (t2.tok !== 'identifier' && t2.tok !== '!') {
                throw new SelectorParseError(`found '${t2.lit}', expected: identifier after ','`);
              }
              break;
            }
            default:
              throw new SelectorParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
          }
          break;
        }
        case 'eos':
          return reqs;
        default:
          throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort(goStringCompare));
  }

  private parseKeyAndInferOperator(): [string, Operator | undefined] {
    let op: Operator | undefined;
    let { tok, lit } = this.consume('values');
    if (tok === '!') {
      op = '!';
      ({ tok, lit } = this.consume('values'));
    }
    if (tok !== 'identifier') throw new SelectorParseError(`found '${lit}', expected: identifier`);
    const kerr = keyError(lit, '<nil>');
    if (kerr) throw new SelectorParseError(kerr);
    const next = this.lookahead('values').tok;
    if ((next === 'eos' || next === ',') && op !== '!') op = 'exists';
    return [lit, op];
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case '=':
        return '=';
      case '==':
        return '==';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      case 'notin':
        return 'notin';
      case '!=':
        return '!=';
      default:
        throw new SelectorParseError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('values');
    if (open.tok !== '(') throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    switch (tok) {
      case 'identifier':
      case ',': {
        const s = this.parseIdentifiersList();
        if (this.consume('values').tok !== ')') throw new SelectorParseError(`found '${lit}', expected: ')'`);
        return s;
      }
      case ')':
        this.consume('values');
        return new Set(['']);
      default:
        throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      switch (tok) {
        case 'identifier': {
          s.add(lit);
          const next = this.lookahead('values');
          if (next.tok === ',') continue;
          if (next.tok === ')') return s;
          throw new SelectorParseError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case ',': {
          if (s.size === 0) s.add('');
          const next = this.lookahead('values').tok;
          if (next === ')') {
            s.add('');
            return s;
          }
          if (next === ',') {
            this.consume('values');
            s.add('');
          }
          break;
        }
        default:
          throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('values').tok;
    if (next === 'eos' || next === ',') return new Set(['']);
    const { tok, lit } = this.consume('values');
    if (tok === 'identifier') return new Set([lit]);
    throw new SelectorParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.Parse: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * `a>1`, `a<1`, joined by commas. Throws SelectorParseError with Kubernetes' message.
 */
export function parseSelector(s: string): Selector {
  const reqs = new Parser(lex(s)).parse();
  return new RequirementsSelector(reqs.sort(byKey));
}

/** labels.SelectorFromSet: every label must be present with that value; nothing given selects everything. */
export function selectorFromSet(set: Readonly<Record<string, string>> | undefined | null): Selector {
  if (!set) return EVERYTHING;
  const reqs: Requirement[] = Object.keys(set).map((key) => ({ key, operator: '=' as const, values: [set[key]!] }));
  return new RequirementsSelector(reqs.sort(byKey));
}

/**
 * metav1.LabelSelectorAsSelector. A missing (null/undefined) LabelSelector
 * selects nothing while an empty one ({}) selects everything: Kubernetes
 * draws that line so an object that forgot its selector (a Service without
 * one, a PodDisruptionBudget) never claims every pod, while `{}` is the
 * explicit way to say "all of them" (NetworkPolicy's podSelector).
 * Throws SelectorParseError for an invalid key, value or operator.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls == null) return NOTHING;
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + exprs.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(matchLabels)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    let op: Operator;
    switch (e.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw new SelectorParseError(`${goQuote(String(e.operator))} is not a valid label selector operator`);
    }
    // Go copies the values into a nil slice, so an empty list reports as null.
    reqs.push(newRequirement(e.key, op, e.values && e.values.length > 0 ? e.values : null));
  }
  return new RequirementsSelector(reqs.sort(byKey));
}

/** The string form of a LabelSelector, as a Scale's status.selector carries it ("" for a nil one). */
export function labelSelectorToString(ls: LabelSelector | undefined | null): string {
  return selectorFromLabelSelector(ls).toString();
}

/** metav1.FormatLabelSelector, what kubectl prints in a SELECTOR column. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  let s: string;
  try {
    s = selectorFromLabelSelector(ls).toString();
  } catch {
    return '<error>';
  }
  return s.length === 0 ? '<none>' : s;
}
