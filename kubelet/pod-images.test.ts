import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../src/api/core/v1.js';
import { Backoff } from './backoff.js';
import { ImageManager, ImagePullError, pullPolicy } from './pod-images.js';
import { SimulatedRuntime } from './runtime/simulated.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [] } };

function setup() {
  let now = 1_000_000;
  const runtime = new SimulatedRuntime({ nodeName: 'n' });
  const pulls: string[] = [];
  const pull = runtime.pullImage.bind(runtime);
  runtime.pullImage = async (image: string) => {
    pulls.push(image);
    return pull(image);
  };
  const images = new ImageManager(runtime, new Backoff({ initialMs: 1_000, maxMs: 4_000, now: () => now }), () => now);
  const events: string[] = [];
  const ensure = (c: Container) => images.ensure(pod, c, (_type, reason, message) => events.push(`${reason}: ${message}`));
  return { runtime, images, ensure, events, pulls, advance: (ms: number) => (now += ms) };
}

async function reason(p: Promise<void>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof ImagePullError ? err.reason : String(err);
  }
}

describe('ImageManager', () => {
  it('defaults the pull policy as the apiserver does', () => {
    expect(pullPolicy({ name: 'a', image: 'busybox' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'busybox:latest' })).toBe('Always');
    expect(pullPolicy({ name: 'a', image: 'busybox:1.36' })).toBe('IfNotPresent');
  });

  it('uses a present image without pulling under IfNotPresent, and pulls under Always', async () => {
    const s = setup();
    await s.ensure({ name: 'a', image: 'busybox:1', imagePullPolicy: 'IfNotPresent' });
    expect(s.pulls).toEqual([]);
    expect(s.events).toEqual(['Pulled: Container image "busybox:1" already present on machine']);
    await s.ensure({ name: 'a', image: 'busybox:1', imagePullPolicy: 'Always' });
    expect(s.pulls).toEqual(['busybox:1']);
    expect(s.events.slice(1, 2)).toEqual(['Pulling: Pulling image "busybox:1"']);
  });

  it('fails Never for a missing image without pulling', async () => {
    const s = setup();
    s.runtime.setImageMissing('gone:1', 'no such image');
    expect(await reason(s.ensure({ name: 'a', image: 'gone:1', imagePullPolicy: 'Never' }))).toBe('ErrImageNeverPull');
    expect(s.pulls).toEqual([]);
    expect(s.events).toEqual(['ErrImageNeverPull: Container image "gone:1" is not present with pull policy of Never']);
  });

  it('reports ErrImagePull, then ImagePullBackOff without pulling until the back-off ends', async () => {
    const s = setup();
    s.runtime.setImageMissing('gone:1', 'pull access denied');
    const c = { name: 'a', image: 'gone:1', imagePullPolicy: 'IfNotPresent' };
    expect(await reason(s.ensure(c))).toBe('ErrImagePull');
    expect(await reason(s.ensure(c))).toBe('ImagePullBackOff');
    expect(s.pulls).toHaveLength(1);
    expect(s.images.backOffEndsAt(pod, 'gone:1')).toBeDefined();
    s.advance(1_000);
    expect(await reason(s.ensure(c))).toBe('ErrImagePull');
    expect(s.pulls).toHaveLength(2);
    // the back-off doubled
    s.advance(1_500);
    expect(await reason(s.ensure(c))).toBe('ImagePullBackOff');
    expect(s.pulls).toHaveLength(2);
  });
});
