import { describe, expect, it } from 'vitest';
import { makeNode, makePod, testCluster } from './testing/fixtures.js';

describe('Framework', () => {
  it('runs a Filter again for the next pod after PreFilter skipped it for one', () => {
    const c = testCluster([makeNode('n')], [makePod('web', { nodeName: 'n', hostPorts: [80] })]);
    expect(c.schedule(makePod('plain')).kind).toBe('scheduled');
    const r = c.schedule(makePod('port', { hostPorts: [80] }));
    expect(r.kind === 'unschedulable' && r.statuses.get('n')?.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(c.schedule(makePod('plain2')).kind).toBe('scheduled');
  });

  it('scores each cycle afresh, whatever the number of feasible nodes before', () => {
    const pool = (n: string): string => (n < 'd' ? 'big' : 'small');
    const nodes = ['a', 'b', 'c', 'd', 'e'].map((n) => makeNode(n, { labels: { pool: pool(n) } }));
    const c = testCluster(nodes, [
      makePod('x', { nodeName: 'a', cpu: '3' }),
      makePod('y', { nodeName: 'b', cpu: '3' }),
      makePod('z', { nodeName: 'd', cpu: '1' }),
      makePod('w', { nodeName: 'e', cpu: '2' }),
    ]);
    const decide = (name: string, selector?: string) => {
      const r = c.schedule(makePod(name, { cpu: '100m', ...(selector ? { nodeSelector: { pool: selector } } : {}) }));
      return r.kind === 'scheduled' ? [r.nodeName, r.feasibleNodes] : r.kind;
    };
    expect(decide('p')).toEqual(['c', 5]);
    expect(decide('q', 'small')).toEqual(['d', 2]);
    expect(decide('r', 'big')).toEqual(['c', 3]);
  });
});
