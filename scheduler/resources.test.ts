import { describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { amountOf, DEFAULT_MEMORY_REQUEST, podNonZeroRequests, podRequests } from './resources.js';
import { makePod } from './testing/fixtures.js';

const withInit = (init: Pod['spec']['initContainers'], app = '500m'): Pod => {
  const p = makePod('p', { cpu: app, memory: '100Mi' });
  return { ...p, spec: { ...p.spec, initContainers: init } };
};

describe('pod requests', () => {
  it('takes the larger of the app containers together and the largest init container', () => {
    expect(podRequests(withInit([{ name: 'i', image: 'x', resources: { requests: { cpu: '2' } } }])).get('cpu')).toBe(2000);
    expect(podRequests(withInit([{ name: 'i', image: 'x', resources: { requests: { cpu: '200m' } } }])).get('cpu')).toBe(500);
    // memory from the app container stays even when an init container asks more cpu
    expect(podRequests(withInit([{ name: 'i', image: 'x', resources: { requests: { cpu: '2' } } }])).get('memory')).toBe(100 * 2 ** 20);
  });

  it('counts sidecars (restartPolicy Always) alongside the app and the init containers after them', () => {
    const pod = withInit([
      { name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '300m' } } },
      { name: 'init', image: 'x', resources: { requests: { cpu: '1' } } },
    ]);
    // app 500m + sidecar 300m = 800m; init runs beside the sidecar: 1300m
    expect(podRequests(pod).get('cpu')).toBe(1300);
  });

  it('adds the pod overhead', () => {
    const p = makePod('p', { cpu: '1' });
    expect(podRequests({ ...p, spec: { ...p.spec, overhead: { cpu: '250m' } } }).get('cpu')).toBe(1250);
  });

  it('uses 100m and 200Mi for containers that request nothing when scoring, not when fitting', () => {
    const p = makePod('p');
    expect(podRequests(p).get('cpu')).toBeUndefined();
    expect(podNonZeroRequests(p).get('cpu')).toBe(100);
    expect(podNonZeroRequests(p).get('memory')).toBe(DEFAULT_MEMORY_REQUEST);
  });
});

describe('amountOf', () => {
  it('reads the same text as millicores for cpu and as a plain value otherwise, in any order', () => {
    expect(amountOf('memory', '3')).toBe(3);
    expect(amountOf('cpu', '3')).toBe(3000);
    expect(amountOf('memory', '3')).toBe(3);
    expect(amountOf('example.com/gpu', '250m')).toBe(1);
    expect(amountOf('cpu', '250m')).toBe(250);
    expect(amountOf('cpu', 'nonsense')).toBe(0);
  });
});
