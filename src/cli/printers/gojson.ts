// JSON the way Go's encoding/json writes a map[string]interface{}: keys in
// byte order, and <, >, & and the line separators escaped. kubectl's output
// (-o json, jsonpath) and the last-applied-configuration annotation are
// written this way, so matching it byte for byte keeps `skiff apply` and
// `kubectl apply` interchangeable on the same objects.
import { goStringCompare } from '../../machinery/goformat.js';

function escapeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A deep copy with every object's keys in Go's order. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort(goStringCompare)) {
      if (o[k] !== undefined) out[k] = sortKeys(o[k]);
    }
    return out;
  }
  return v;
}

/** json.Marshal: compact, sorted, HTML-escaped. */
export function goJsonCompact(v: unknown): string {
  return escapeGo(JSON.stringify(sortKeys(v)));
}

/** json.MarshalIndent(v, "", "    "), kubectl's -o json. */
export function goJsonIndent(v: unknown): string {
  return escapeGo(JSON.stringify(sortKeys(v), null, 4));
}

/** fmt.Print of a value decoded from JSON: integers as integers, maps as map[k:v]. */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort(goStringCompare)
      .map((k) => `${k}:${goPrint(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 21) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}
