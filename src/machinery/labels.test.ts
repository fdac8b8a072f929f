import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  labelSelectorToString,
  parseSelector,
  SelectorParseError,
  selectorFromLabelSelector,
  selectorFromSet,
} from './labels.js';

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function parseError(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorParseError);
    return (e as Error).message;
  }
  throw new Error(`"${s}" parsed`);
}

describe('parseSelector', () => {
  it('matches equality requirements', () => {
    for (const s of ['app=web', 'app==web', ' app = web ']) {
      const sel = parseSelector(s);
      expect(sel.matches({ app: 'web', tier: 'x' })).toBe(true);
      expect(sel.matches({ app: 'db' })).toBe(false);
      expect(sel.matches({})).toBe(false);
      expect(sel.matches(undefined)).toBe(false);
    }
  });

  it('!= and notin also match objects without the label', () => {
    expect(parseSelector('app!=web').matches({})).toBe(true);
    expect(parseSelector('app!=web').matches({ app: 'web' })).toBe(false);
    expect(parseSelector('tier notin (frontend)').matches({})).toBe(true);
    expect(parseSelector('tier notin (frontend)').matches({ tier: 'frontend' })).toBe(false);
    expect(parseSelector('tier notin (frontend)').matches({ tier: 'backend' })).toBe(true);
  });

  it('handles set-based, exists and does-not-exist requirements', () => {
    const sel = parseSelector('env in (prod, staging),release,!canary');
    expect(sel.matches({ env: 'prod', release: '1' })).toBe(true);
    expect(sel.matches({ env: 'staging', release: '' })).toBe(true);
    expect(sel.matches({ env: 'dev', release: '1' })).toBe(false);
    expect(sel.matches({ env: 'prod' })).toBe(false);
    expect(sel.matches({ env: 'prod', release: '1', canary: 'true' })).toBe(false);
  });

  it('prints the normal form: requirements sorted by key, values sorted', () => {
    expect(parseSelector('b=1,a=2').toString()).toBe('a=2,b=1');
    expect(parseSelector('env in ( staging ,prod )').toString()).toBe('env in (prod,staging)');
    expect(parseSelector('x in (foo,,baz),y,z notin ()').toString()).toBe('x in (,baz,foo),y,z notin ()');
    expect(parseSelector('!a,b!=c,d==e').toString()).toBe('!a,b!=c,d==e');
    expect(parseSelector('n>3,m<4').toString()).toBe('m<4,n>3');
  });

  it('treats in and notin as words where a key or value stands', () => {
    const sel = parseSelector('in in (in),notin');
    expect(sel.matches({ in: 'in', notin: '' })).toBe(true);
    expect(sel.matches({ in: 'out', notin: '' })).toBe(false);
  });

  it('compares integers for > and <', () => {
    expect(parseSelector('replicas>2').matches({ replicas: '3' })).toBe(true);
    expect(parseSelector('replicas>2').matches({ replicas: '2' })).toBe(false);
    expect(parseSelector('replicas<2').matches({ replicas: '1' })).toBe(true);
    expect(parseSelector('replicas>2').matches({ replicas: 'many' })).toBe(false);
  });

  it('an empty selector matches everything', () => {
    const sel = parseSelector('');
    expect(sel.empty()).toBe(true);
    expect(sel.matches({})).toBe(true);
    expect(sel.toString()).toBe('');
    expect(parseSelector('  ').empty()).toBe(true);
  });

  it('exposes requirements and exact matches for index lookups', () => {
    const sel = parseSelector('app=web,tier in (a,b),env in (prod)');
    expect(sel.requirements.map((r) => [r.key, r.operator, r.values])).toEqual([
      ['app', '=', ['web']],
      ['env', 'in', ['prod']],
      ['tier', 'in', ['a', 'b']],
    ]);
    expect(sel.requiresExactMatch('app')).toBe('web');
    expect(sel.requiresExactMatch('env')).toBe('prod');
    expect(sel.requiresExactMatch('tier')).toBeUndefined();
    expect(sel.requiresExactMatch('other')).toBeUndefined();
  });

  it('rejects bad keys with the message kubectl shows', () => {
    expect(parseError('app:monolith')).toBe(`unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART_MSG}`);
    expect(parseError('app.kubernetes_io/name=x')).toBe(
      'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    );
    expect(parseError('a/b/c ?=? def')).toBe(
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
  });

  it('rejects bad values, naming the value and key', () => {
    expect(parseError('app=-web')).toBe(
      "unable to parse requirement: values[0][app]: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
    expect(parseError('n>x')).toBe(
      `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
  });

  it('rejects malformed syntax', () => {
    expect(parseError('app=web,')).toBe("found '', expected: identifier after ','");
    expect(parseError('=x')).toBe("found '=', expected: !, identifier, or 'end of string'");
    expect(parseError('a b')).toBe("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    expect(parseError('app in web')).toBe("unable to parse requirement: found 'web' expected: '('");
    expect(parseError('app in (a b)')).toBe("unable to parse requirement: found 'b', expected: ',' or ')'");
    expect(parseError('app=web)')).toBe("found ')', expected: ',' or 'end of string'");
  });
});

describe('selectorFromLabelSelector', () => {
  it('a missing selector matches nothing, an empty one everything', () => {
    for (const nil of [null, undefined]) {
      const sel = selectorFromLabelSelector(nil);
      expect(sel.matches({ app: 'web' })).toBe(false);
      expect(sel.matches({})).toBe(false);
      expect(sel.selectable).toBe(false);
      expect(sel.empty()).toBe(false);
    }
    const all = selectorFromLabelSelector({});
    expect(all.matches({})).toBe(true);
    expect(all.empty()).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({ x: 'y' })).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
      ],
    });
    expect(sel.toString()).toBe('app=web,!canary,tier in (a,b),zone');
    expect(sel.matches({ app: 'web', tier: 'a', zone: 'z1' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'c', zone: 'z1' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'a', zone: 'z1', canary: '1' })).toBe(false);
  });

  it('reports invalid selectors as Kubernetes does', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    ).toThrow('values: Invalid value: ["x"]: values set must be empty for exists and does not exist');
    expect(() => selectorFromLabelSelector({ matchLabels: { 'bad key': 'v' } })).toThrow(/^key: Invalid value: "bad key": name part/);
    expect(() =>
      selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near' as 'In', values: ['x'] }] }),
    ).toThrow('"Near" is not a valid label selector operator');
  });

  it('prints selectors for Scale status and kubectl columns', () => {
    expect(labelSelectorToString({ matchLabels: { b: '2', a: '1' } })).toBe('a=1,b=2');
    expect(labelSelectorToString(null)).toBe('');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector({ matchLabels: { app: 'x' } })).toBe('app=x');
    expect(formatLabelSelector({ matchLabels: { '-bad': 'x' } })).toBe('<error>');
  });
});

describe('selectorFromSet', () => {
  it('requires every label, and selects everything when given none', () => {
    const sel = selectorFromSet({ b: '2', a: '1' });
    expect(sel.toString()).toBe('a=1,b=2');
    expect(sel.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(sel.matches({ a: '1' })).toBe(false);
    expect(selectorFromSet(undefined).matches({ any: 'thing' })).toBe(true);
    expect(selectorFromSet({}).empty()).toBe(true);
  });

  it('can be extended with more requirements, kept sorted', () => {
    const sel = selectorFromSet({ b: '2' }).add({ key: 'a', operator: 'exists', values: [] });
    expect(sel.toString()).toBe('a,b=2');
  });
});
