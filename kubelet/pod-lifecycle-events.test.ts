import { describe, expect, it } from 'vitest';
import { PodLifecycleEvents } from './pod-lifecycle-events.js';
import { SimulatedRuntime } from './runtime/simulated.js';

describe('PodLifecycleEvents', () => {
  it('names the pods whose containers changed since the last relist, and only those', async () => {
    let now = 1_000_000;
    const runtime = new SimulatedRuntime({ nodeName: 'n', clock: () => now });
    const pleg = new PodLifecycleEvents(runtime);
    const sandbox = (uid: string) => ({ podName: uid, namespace: 'ns', uid, attempt: 0, hostname: uid, hostNetwork: false, portMappings: [] });
    const a = await runtime.runPodSandbox(sandbox('a'));
    const b = await runtime.runPodSandbox(sandbox('b'));
    const short = await runtime.createContainer(a, { name: 'app', image: 'x', command: ['sleep', '5'], env: [], mounts: [], attempt: 0 }, sandbox('a'));
    await runtime.startContainer(short);
    const long = await runtime.createContainer(b, { name: 'app', image: 'x', env: [], mounts: [], attempt: 0 }, sandbox('b'));
    await runtime.startContainer(long);

    const first = await pleg.relist();
    expect(first.changed.sort()).toEqual(['a', 'b']);
    expect(first.runningContainers).toBe(2);
    expect((await pleg.relist()).changed).toEqual([]);

    now += 6_000; // a's container exits by itself
    const second = await pleg.relist();
    expect(second.changed).toEqual(['a']);
    expect(second.runningContainers).toBe(1);

    await runtime.removePodSandbox(b);
    const third = await pleg.relist();
    expect(third.changed).toEqual(['b']);
    expect([...third.present]).toEqual(['a']);
  });
});
