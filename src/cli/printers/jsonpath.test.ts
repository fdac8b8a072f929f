import { describe, expect, it } from 'vitest';
import { JsonPath, JsonPathError } from './jsonpath.js';

const list = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'web-1', labels: { app: 'web' } },
      spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'echo:1' }, { name: 'side', image: 'proxy:2' }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Scheduled', status: 'True' },
        ],
        restarts: 3,
      },
    },
    {
      metadata: { name: 'web-2', labels: { app: 'web', 'kubernetes.io/os': 'linux' } },
      spec: { containers: [{ name: 'app', image: 'echo:2' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }], restarts: 0 },
    },
  ],
};

const run = (template: string, data: unknown = list): string => new JsonPath(template).execute(data);

describe('JsonPath (kubectl -o jsonpath)', () => {
  it('joins several results with spaces', () => {
    expect(run('{.items[*].metadata.name}')).toBe('web-1 web-2');
  });

  it('keeps text outside braces and string literals with escapes', () => {
    expect(run('names: {.items[0].metadata.name}{"\\t"}{.items[1].metadata.name}{"\\n"}')).toBe('names: web-1\tweb-2\n');
  });

  it('iterates with range/end, relative to each item', () => {
    expect(run('{range .items[*]}{.metadata.name}:{.status.restarts}{"\\n"}{end}')).toBe('web-1:3\nweb-2:0\n');
  });

  it('nests ranges', () => {
    expect(run('{range .items[*]}[{range .spec.containers[*]}{.name} {end}]{end}')).toBe('[app side ][app ]');
  });

  it('filters list items', () => {
    expect(run('{.items[0].status.conditions[?(@.type=="Ready")].status}')).toBe('True');
    expect(run('{.items[?(@.status.restarts>1)].metadata.name}')).toBe('web-1');
    expect(run('{.items[?(@.spec.nodeName)].metadata.name}')).toBe('web-1');
    expect(run("{.items[*].status.conditions[?(@.status!='True')].type}")).toBe('Ready');
  });

  it('indexes, counts from the end and slices', () => {
    expect(run('{.items[-1].metadata.name}')).toBe('web-2');
    expect(run('{.items[0].spec.containers[0:2].name}')).toBe('app side');
    expect(run('{.items[0].spec.containers[1:].image}')).toBe('proxy:2');
  });

  it('reads keys with dots through quotes or escapes', () => {
    expect(run("{.items[1].metadata.labels['kubernetes.io/os']}")).toBe('linux');
    expect(run('{.items[1].metadata.labels.kubernetes\\.io/os}')).toBe('linux');
  });

  it('descends recursively', () => {
    expect(run('{..image}')).toBe('echo:1 proxy:2 echo:2');
  });

  it('prints maps and lists as compact JSON with sorted keys', () => {
    expect(run('{.items[1].metadata.labels}')).toBe('{"app":"web","kubernetes.io/os":"linux"}');
    expect(run('{.items[0].spec.containers[*].name}')).toBe('app side');
    expect(run('{.items[1].spec.containers}')).toBe('[{"image":"echo:2","name":"app"}]');
  });

  it('prints nothing for missing keys, as --allow-missing-template-keys does', () => {
    expect(run('[{.items[0].nope.deeper}]')).toBe('[]');
  });

  it('supports $ for the root inside a range', () => {
    expect(run('{range .items[*]}{$.kind} {end}')).toBe('List List ');
  });

  it('rejects an unclosed range', () => {
    expect(() => new JsonPath('{range .items[*]}{.x}')).toThrow(JsonPathError);
  });

  it('prints indented JSON for jsonpath-as-json', () => {
    expect(new JsonPath('{.items[1].metadata.labels}', { outputJson: true }).execute(list)).toBe(
      '{\n    "app": "web",\n    "kubernetes.io/os": "linux"\n}\n',
    );
  });
});
