import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemoryApiServer, type MemoryApiServer } from '../../controllers/testing/apiserver.js';
import { convertedVersions, findResource } from '../../src/api/resources.js';
import type { KubeObject } from '../../src/api/meta.js';
import { StatusError } from '../../src/api/status.js';

let s: MemoryApiServer;
const v1Info = convertedVersions.find((r) => r.group === 'autoscaling' && r.version === 'v1')!;
const v2Info = findResource('autoscaling', 'v2', 'horizontalpodautoscalers')!;

beforeAll(async () => {
  s = await startMemoryApiServer();
});
afterAll(async () => {
  await s?.stop();
});

const hpaV1 = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 15, ...spec },
});

describe('autoscaling/v1 served from stored autoscaling/v2 objects', () => {
  it('stores a v1 create as v2 and shows it back as v1', async () => {
    const v1 = s.client.resource(v1Info);
    const created = await v1.create('default', hpaV1('web', { minReplicas: 10, targetCPUUtilizationPercentage: 80 }));
    expect(created.apiVersion).toBe('autoscaling/v1');
    expect(created.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 10,
      maxReplicas: 15,
      targetCPUUtilizationPercentage: 80,
    });
    const stored = await s.client.resource(v2Info).get('default', 'web');
    expect(stored.apiVersion).toBe('autoscaling/v2');
    expect((stored.spec as { metrics: unknown }).metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(stored.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('shows the status the autoscaler writes in v2 as v1 status', async () => {
    const v2 = s.client.resource(v2Info);
    const current = await v2.get('default', 'web');
    await v2.updateStatus('default', {
      ...current,
      status: {
        currentReplicas: 10,
        desiredReplicas: 10,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }],
      },
    });
    const seen = await s.client.resource(v1Info).get('default', 'web');
    expect(seen.status).toEqual({ currentReplicas: 10, desiredReplicas: 10, currentCPUUtilizationPercentage: 42 });
  });

  it('lists and watches v1 objects', async () => {
    const v1 = s.client.resource(v1Info);
    const list = await v1.list('default');
    expect(list.items.map((i) => [i.apiVersion, i.metadata.name])).toEqual([['autoscaling/v1', 'web']]);
    const abort = new AbortController();
    const events = v1.watch('default', { resourceVersion: list.metadata.resourceVersion, signal: abort.signal });
    await s.client.resource(v2Info).create('default', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, maxReplicas: 3 },
    });
    for await (const ev of events) {
      expect(ev.type).toBe('ADDED');
      expect(ev.object.apiVersion).toBe('autoscaling/v1');
      expect((ev.object.spec as { targetCPUUtilizationPercentage?: number }).targetCPUUtilizationPercentage).toBe(80);
      break;
    }
    abort.abort();
  });

  it('refuses an invalid v1 object, naming the field as Kubernetes does', async () => {
    const err = await s.client
      .resource(v1Info)
      .create('default', hpaV1('bad', { targetCPUUtilizationPercentage: 0 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(422);
    expect((err as StatusError).message).toContain('spec.metrics[0].resource.target.averageUtilization');
  });

  it('lists both versions in discovery with v2 preferred', async () => {
    const group = await s.client.requestRaw('GET', '/apis/autoscaling');
    expect(JSON.parse(group.body)).toMatchObject({
      versions: [{ version: 'v2' }, { version: 'v1' }],
      preferredVersion: { groupVersion: 'autoscaling/v2' },
    });
  });
});
