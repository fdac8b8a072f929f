import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/client/index.js';
import { SchedulerCache } from './cache.js';
import { makeNode, makePod } from './testing/fixtures.js';

describe('SchedulerCache', () => {
  it('sums the requests, pods and host ports of the pods on each node, incrementally', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    cache.addPod(makePod('a', { nodeName: 'n1', cpu: '1', memory: '1Gi', hostPorts: [8080] }));
    cache.addPod(makePod('b', { nodeName: 'n1', cpu: '500m' }));
    const n1 = cache.getNode('n1')!;
    expect(n1.requested.get('cpu')).toBe(1500);
    expect(n1.pods.size).toBe(2);
    expect(n1.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 })).toBe(true);
    cache.removePod(makePod('a', { nodeName: 'n1' }));
    expect(n1.requested.get('cpu')).toBe(500);
    expect(n1.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 })).toBe(false);
  });

  it('counts an assumed pod at once and drops it when the binding fails', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    const pod = makePod('a', { nodeName: 'n1', cpu: '3' });
    cache.assumePod(pod);
    expect(cache.getNode('n1')!.requested.get('cpu')).toBe(3000);
    expect(cache.isAssumed(pod)).toBe(true);
    cache.forgetPod(pod);
    expect(cache.getNode('n1')!.requested.get('cpu')).toBe(0);
    expect(cache.isAssumed(pod)).toBe(false);
  });

  it('expires an assumption whose binding is never observed, and keeps one that is', () => {
    const clock = new FakeClock();
    const expired: string[] = [];
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000, onExpired: (p) => expired.push(p.metadata.name!) });
    cache.addNode(makeNode('n1'));
    const lost = makePod('lost', { nodeName: 'n1', cpu: '1' });
    const seen = makePod('seen', { nodeName: 'n1', cpu: '1' });
    cache.assumePod(lost);
    cache.assumePod(seen);
    cache.finishBinding(lost);
    cache.finishBinding(seen);
    cache.addPod(seen);
    clock.advance(29_000);
    expect(cache.getNode('n1')!.pods.size).toBe(2);
    clock.advance(1_000);
    expect(expired).toEqual(['lost']);
    expect([...cache.getNode('n1')!.pods.values()].map((p) => p.pod.metadata.name)).toEqual(['seen']);
  });

  it('moves a confirmed pod when the apiserver bound it elsewhere than assumed', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    cache.addNode(makeNode('n2'));
    cache.assumePod(makePod('a', { nodeName: 'n1', cpu: '1' }));
    cache.addPod(makePod('a', { nodeName: 'n2', cpu: '1' }));
    expect(cache.getNode('n1')!.pods.size).toBe(0);
    expect(cache.getNode('n2')!.pods.size).toBe(1);
  });

  it('keeps pods of a node it has not seen yet and counts them once the node arrives', () => {
    const cache = new SchedulerCache();
    cache.addPod(makePod('early', { nodeName: 'late', cpu: '2' }));
    expect(cache.getNode('late')).toBeUndefined();
    expect(cache.nodeList()).toEqual([]);
    cache.addNode(makeNode('late'));
    expect(cache.getNode('late')!.requested.get('cpu')).toBe(2000);
  });

  it('lists nodes zone by zone in turn', () => {
    const cache = new SchedulerCache();
    for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c'], ['c2', 'c']]) {
      cache.addNode(makeNode(name!, { labels: { 'topology.kubernetes.io/zone': zone! } }));
    }
    expect(cache.nodeList().map((n) => n.name)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    cache.removeNode(makeNode('b1'));
    expect(cache.nodeList().map((n) => n.name)).toEqual(['a1', 'c1', 'a2', 'c2', 'a3']);
  });

  it('knows which nodes carry pods with required anti-affinity', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('n1'));
    cache.addNode(makeNode('n2'));
    const anti = makePod('a', {
      nodeName: 'n2',
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] } },
    });
    cache.addPod(anti);
    expect([...cache.nodesWithRequiredAntiAffinityPods()].map((n) => n.name)).toEqual(['n2']);
    cache.removePod(anti);
    expect([...cache.nodesWithRequiredAntiAffinityPods()]).toEqual([]);
  });
});
