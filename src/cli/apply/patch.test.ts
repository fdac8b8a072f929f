import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { applyStrategicMergePatch } from '../../machinery/patch/strategic.js';
import { applyPatchFor, LAST_APPLIED_ANNOTATION, lastAppliedOf, withLastApplied } from './patch.js';

const fileDeployment = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'skiff/echo:1.0', ports: [{ containerPort: 8080, name: 'http' }] }] },
    },
  },
});

describe('withLastApplied', () => {
  it('writes the annotation byte for byte as kubectl 1.32 does', () => {
    // Copied from an object kubectl apply created from manifests/deployment.yaml.
    const kubectl =
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"skiff/echo:1.0","name":"web","ports":[{"containerPort":8080,"name":"http"}]}]}}}}\n';
    expect(withLastApplied(fileDeployment()).metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe(kubectl);
  });

  it('escapes HTML characters as Go does and leaves the input alone', () => {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { note: 'a<b>&c' } }, data: { x: 'é' } };
    const out = withLastApplied(obj);
    expect(out.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe(
      '{"apiVersion":"v1","data":{"x":"é"},"kind":"ConfigMap","metadata":{"annotations":{"note":"a\\u003cb\\u003e\\u0026c"},"name":"c"}}\n',
    );
    expect(obj.metadata.annotations).toEqual({ note: 'a<b>&c' });
  });

  it('does not nest an old annotation inside the new one', () => {
    const once = withLastApplied(fileDeployment());
    const twice = withLastApplied(once);
    expect(twice.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe(once.metadata.annotations?.[LAST_APPLIED_ANNOTATION]);
  });
});

describe('applyPatchFor', () => {
  // The live object: what apply created, plus defaults, a label someone else added, and status.
  const live = (file: KubeObject): KubeObject => {
    const obj = structuredClone(withLastApplied(file));
    obj.metadata = { ...obj.metadata, uid: 'u1', resourceVersion: '7', labels: { ...obj.metadata.labels, 'added-by': 'ops' } };
    (obj.spec as Record<string, unknown>).revisionHistoryLimit = 10;
    obj.status = { replicas: 3 };
    return obj;
  };

  it('is empty when the file has not changed: apply says unchanged', () => {
    const file = fileDeployment();
    expect(applyPatchFor(withLastApplied(file), live(file), true)).toEqual({});
  });

  it('removes a label removed from the file and keeps the one someone else added', () => {
    const before = fileDeployment();
    before.metadata.labels = { app: 'web', tier: 'front' };
    const current = live(before);
    const after = fileDeployment();
    const patch = applyPatchFor(withLastApplied(after), current, true);
    const result = applyStrategicMergePatch(current, patch) as KubeObject;
    expect(result.metadata.labels).toEqual({ app: 'web', 'added-by': 'ops' });
    expect(lastAppliedOf(result)).toEqual(JSON.parse(withLastApplied(after).metadata.annotations![LAST_APPLIED_ANNOTATION]!));
    expect((result.spec as Record<string, unknown>).revisionHistoryLimit).toBe(10);
    expect(result.status).toEqual({ replicas: 3 });
  });

  it('changes one container image without replacing the container list', () => {
    const file = fileDeployment();
    const current = live(file);
    const next = fileDeployment();
    ((next.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!).image = 'skiff/echo:2.0';
    const patch = applyPatchFor(withLastApplied(next), current, true);
    expect(patch.spec).toEqual({
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }],
          containers: [{ image: 'skiff/echo:2.0', name: 'web' }],
        },
      },
    });
  });

  it('falls back to a JSON merge patch that also removes what the file removed', () => {
    const before = fileDeployment();
    before.metadata.labels = { app: 'web', tier: 'front' };
    const patch = applyPatchFor(withLastApplied(fileDeployment()), live(before), false);
    expect((patch.metadata as Record<string, unknown>).labels).toEqual({ tier: null });
  });
});
