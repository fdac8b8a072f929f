import { afterEach, describe, expect, it } from 'vitest';
import type { Event, Node, Pod } from '../src/api/core/v1.js';
import type { KubeObject } from '../src/api/meta.js';
import { SharedInformerFactory, type ResourceRef } from '../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../controllers/testing/apiserver.js';
import { schedulerConfigFrom } from './config.js';
import { errorStatus, type BindPlugin, type FrameworkHandle } from './framework.js';
import { DefaultBinder } from './plugins/defaultbinder.js';
import { inTreeRegistry } from './plugins/registry.js';
import { nodeUpdateEvents, Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/fixtures.js';

const podsRef: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
const nodesRef: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const eventsRef: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };

describe('nodeUpdateEvents', () => {
  it('names the changes that can make a pod fit, and ignores heartbeats', () => {
    const n = makeNode('n');
    const beat: Node = { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2030-01-01T00:00:00Z' }] } };
    expect(nodeUpdateEvents(n, beat)).toEqual([]);
    expect(nodeUpdateEvents(n, makeNode('n', { cpu: '8', labels: { a: 'b' }, taints: [{ key: 'k', effect: 'NoSchedule' }], unschedulable: true, ready: 'False' }))).toEqual([
      'NodeAllocatable',
      'NodeLabel',
      'NodeTaint',
      'NodeCondition',
      'NodeSpecUnschedulable',
    ]);
  });
});

let api: MemoryApiServer | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

describe('Scheduler', () => {
  it('forgets the assumption when a binding fails, and binds on a later attempt', async () => {
    api = await startMemoryApiServer();
    const a = api;
    const nodes = a.client.resource<Node & KubeObject>(nodesRef);
    const n1 = makeNode('n1', { cpu: '1' });
    const created = await nodes.create(undefined, { ...n1, status: undefined } as Node & KubeObject);
    await nodes.updateStatus(undefined, { ...created, status: n1.status });

    let calls = 0;
    let requestedWhileFailing: number | undefined;
    let scheduler: Scheduler | undefined;
    const registry = {
      ...inTreeRegistry,
      FlakyBinder: (args: unknown, handle: FrameworkHandle): BindPlugin => {
        const real = new DefaultBinder(args, handle);
        return {
          name: 'FlakyBinder',
          async bind(state, pod, nodeName) {
            calls++;
            if (calls === 1) {
              requestedWhileFailing = scheduler!.cache.getNode('n1')!.requested.get('cpu');
              return errorStatus('the apiserver said no');
            }
            return real.bind(state, pod, nodeName);
          },
        };
      },
    };
    const config = schedulerConfigFrom({ podInitialBackoffSeconds: 0.05, leaderElection: { leaderElect: false } });
    config.profiles[0]!.plugins.points.bind = ['FlakyBinder'];
    const informers = new SharedInformerFactory(a.client);
    scheduler = new Scheduler({ client: a.client, informers, config, registry });
    const ctl = new AbortController();
    const running = scheduler.run(ctl.signal);

    const { status: _s, ...pod } = makePod('p', { cpu: '800m' });
    await a.client.resource<Pod & KubeObject>(podsRef).create('default', { ...pod, metadata: { name: 'p', namespace: 'default' } } as Pod & KubeObject);
    const pods = informers.informerFor<Pod & KubeObject>(podsRef);
    await new Promise<void>((resolve) => {
      const check = (p: Pod): void => void (p.spec.nodeName && resolve());
      pods.addEventHandler({ onAdd: check, onUpdate: (_o, p) => check(p) });
    });
    // The pod counted on the node as soon as it was assumed; after the failure the assumption was dropped
    // (assuming it again would have failed), and it counts once now that it is bound.
    expect(requestedWhileFailing).toBe(800);
    expect(calls).toBe(2);
    expect(scheduler.cache.getNode('n1')!.requested.get('cpu')).toBe(800);
    ctl.abort();
    await running;
    informers.shutdown();

    const events = await a.client.resource<Event & KubeObject>(eventsRef).list('default');
    expect(events.items.map((e) => `${e.reason}: ${e.message}`).sort()).toEqual([
      'FailedScheduling: binding rejected: the apiserver said no',
      'Scheduled: Successfully assigned default/p to n1',
    ]);
  });
});
