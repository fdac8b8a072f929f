import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../src/api/core/v1.js';
import { FakeClock } from '../src/client/index.js';
import type { EventRegistration } from './framework.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue.js';
import { makeNode, makePod } from './testing/fixtures.js';

const registrations = new Map<string, EventRegistration[]>([
  ['NodeResourcesFit', [{ event: 'NodeAdd' }, { event: 'AssignedPodDelete' }]],
  ['TaintToleration', [{ event: 'NodeTaint', hint: (pod, _o, n) => !((n as Node).spec.taints ?? []).some((t) => !(pod.spec.tolerations ?? []).some((x) => x.key === t.key)) }]],
]);

function setup() {
  const clock = new FakeClock();
  const queue = new SchedulingQueue({ clock, pluginEvents: () => registrations });
  return { clock, queue };
}

/** Pops (resolves at once only when something is active). */
async function popNow(queue: SchedulingQueue): Promise<QueuedPodInfo | undefined> {
  let got: QueuedPodInfo | undefined;
  let resolved = false;
  void queue.pop().then((q) => {
    got = q;
    resolved = true;
  });
  await Promise.resolve();
  await Promise.resolve();
  if (!resolved) {
    queue.close();
    await Promise.resolve();
    return undefined;
  }
  return got;
}

async function failUnschedulable(queue: SchedulingQueue, plugin: string): Promise<QueuedPodInfo> {
  const q = (await popNow(queue))!;
  q.unschedulablePlugins = new Set([plugin]);
  queue.addUnschedulableIfNotPresent(q);
  queue.done(q.podInfo.pod);
  return q;
}

describe('SchedulingQueue', () => {
  it('hands out higher priority first, then first come first served', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('a', { priority: 0 }));
    clock.advance(1);
    queue.add(makePod('b', { priority: 10 }));
    clock.advance(1);
    queue.add(makePod('c', { priority: 0 }));
    queue.add(makePod('d', { priority: 10 }));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await queue.pop())!.podInfo.pod.metadata.name!);
    expect(order).toEqual(['b', 'd', 'a', 'c']);
  });

  it('backs off a failed pod 1 s, then 2, 4, 8, and never more than 10 s', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('a'));
    const waits: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const q = (await queue.pop())!;
      queue.addBackoff(q);
      queue.done(q.podInfo.pod);
      expect(queue.where(q.podInfo.key)).toBe('backoff');
      let waited = 0;
      while (queue.where(q.podInfo.key) === 'backoff') {
        clock.advance(100);
        waited += 100;
      }
      expect(queue.where(q.podInfo.key)).toBe('active');
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('keeps an unschedulable pod out until an event its rejecting plugin registered arrives', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('big', { cpu: '8' }));
    await failUnschedulable(queue, 'NodeResourcesFit');
    clock.advance(60_000);
    expect(queue.where('uid-default-big')).toBe('unschedulable');

    // Not an event NodeResourcesFit cares about.
    queue.moveOnEvent('NodeLabel', makeNode('n1'), makeNode('n1', { labels: { x: 'y' } }));
    queue.moveOnEvent('AssignedPodAdd', undefined, makePod('other', { nodeName: 'n1' }));
    expect(queue.where('uid-default-big')).toBe('unschedulable');
    expect(queue.sizes()).toEqual({ active: 0, backoff: 0, unschedulable: 1, gated: 0 });

    queue.moveOnEvent('NodeAdd', undefined, makeNode('n2'));
    expect(queue.where('uid-default-big')).toBe('active');
  });

  it('asks the plugin whether this particular change can help (queueing hint)', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('p', { tolerations: [{ key: 'a', operator: 'Exists' }] }));
    await failUnschedulable(queue, 'TaintToleration');
    clock.advance(60_000);
    const tainted = makeNode('n1', { taints: [{ key: 'b', effect: 'NoSchedule' }] });
    queue.moveOnEvent('NodeTaint', tainted, makeNode('n1', { taints: [{ key: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoSchedule' }] }));
    expect(queue.where('uid-default-p')).toBe('unschedulable');
    queue.moveOnEvent('NodeTaint', tainted, makeNode('n1', { taints: [{ key: 'a', effect: 'NoSchedule' }] }));
    expect(queue.where('uid-default-p')).toBe('active');
  });

  it('moves a pod to backoff, not active, when the event arrives while it is still backing off', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('p'));
    await failUnschedulable(queue, 'NodeResourcesFit');
    clock.advance(200);
    queue.moveOnEvent('AssignedPodDelete', makePod('x', { nodeName: 'n1' }), undefined);
    expect(queue.where('uid-default-p')).toBe('backoff');
    clock.advance(800);
    expect(queue.where('uid-default-p')).toBe('active');
  });

  it('does not lose an event that arrived while the pod was being scheduled', async () => {
    const { clock, queue } = setup();
    queue.add(makePod('p'));
    const q = (await queue.pop())!;
    // The node appears while the decision for p is being made.
    queue.moveOnEvent('NodeAdd', undefined, makeNode('n9'));
    q.unschedulablePlugins = new Set(['NodeResourcesFit']);
    queue.addUnschedulableIfNotPresent(q);
    queue.done(q.podInfo.pod);
    expect(queue.where(q.podInfo.key)).toBe('backoff');
    clock.advance(1000);
    expect(queue.where(q.podInfo.key)).toBe('active');
  });

  it('parks the pod when the in-flight event could not have helped it', async () => {
    const { queue } = setup();
    queue.add(makePod('p'));
    const q = (await queue.pop())!;
    queue.moveOnEvent('NodeLabel', makeNode('n1'), makeNode('n1'));
    q.unschedulablePlugins = new Set(['NodeResourcesFit']);
    queue.addUnschedulableIfNotPresent(q);
    queue.done(q.podInfo.pod);
    expect(queue.where(q.podInfo.key)).toBe('unschedulable');
  });

  it('retries an unschedulable pod whose spec changed, but not one whose status changed', async () => {
    const { clock, queue } = setup();
    const pod = makePod('p', { nodeSelector: { disk: 'ssd' } });
    queue.add(pod);
    await failUnschedulable(queue, 'NodeAffinity');
    clock.advance(60_000);
    const withCondition: Pod = { ...pod, status: { ...pod.status, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } };
    queue.update(pod, withCondition);
    expect(queue.where('uid-default-p')).toBe('unschedulable');
    queue.update(withCondition, { ...withCondition, spec: { ...withCondition.spec, nodeSelector: {} } });
    expect(queue.where('uid-default-p')).toBe('active');
  });

  it('holds gated pods until their scheduling gates are removed', async () => {
    const { queue } = setup();
    const gated: Pod = { ...makePod('g'), spec: { ...makePod('g').spec, schedulingGates: [{ name: 'wait' }] } };
    queue.add(gated);
    expect(queue.sizes().gated).toBe(1);
    queue.moveOnEvent('NodeAdd', undefined, makeNode('n1'));
    expect(queue.where('uid-default-g')).toBe('gated');
    queue.update(gated, makePod('g'));
    expect(queue.where('uid-default-g')).toBe('active');
  });

  it('forgets deleted pods and their nominations', async () => {
    const { queue } = setup();
    const p = makePod('p', { nominatedNodeName: 'n1' });
    queue.add(p);
    expect(queue.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata.name)).toEqual(['p']);
    queue.delete(p);
    expect(queue.sizes().active).toBe(0);
    expect(queue.nominatedPodsForNode('n1')).toEqual([]);
  });

  it('keeps an in-memory nomination across updates that do not carry it yet', () => {
    const { queue } = setup();
    const p = makePod('p');
    queue.add(p);
    queue.nominate(p, 'n2');
    const updated = { ...p, metadata: { ...p.metadata, resourceVersion: '9' } };
    queue.update(p, updated);
    expect(queue.nominatedNodeFor(updated)).toBe('n2');
  });
});

describe('SchedulingQueue with a pod in flight', () => {
  it('does not queue a second copy of a pod that is being tried when the informer re-delivers it', async () => {
    const queue = new SchedulingQueue({ clock: new FakeClock() });
    const p = makePod('p');
    queue.add(p);
    const q = (await queue.pop())!;
    queue.add(p);
    queue.update(p, { ...p, metadata: { ...p.metadata, resourceVersion: '2' } });
    expect(queue.sizes().active).toBe(0);
    expect(q.podInfo.pod.metadata.resourceVersion).toBe('2');
  });
});
