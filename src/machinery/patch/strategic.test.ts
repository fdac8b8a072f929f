import { describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  createThreeWayStrategicMergePatch,
  createTwoWayStrategicMergePatch,
  StrategicMergePatchError,
} from './strategic.js';
import { lookupPatchMeta } from './strategic-keys.js';
import type { JsonObject } from './values.js';

const pod = (): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'nginx:1',
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
        ports: [{ containerPort: 80 }, { containerPort: 443 }],
      },
      { name: 'sidecar', image: 'busybox' },
    ],
    tolerations: [{ key: 'a', operator: 'Exists' }],
  },
});

type Json = Record<string, unknown>;
const containers = (o: JsonObject) => (o['spec'] as Json)['containers'] as Json[];
const names = (list: Json[]) => list.map((c) => c['name']);

describe('applyStrategicMergePatch', () => {
  it("patching one container's image keeps the other containers", () => {
    const out = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } });
    expect(names(containers(out))).toEqual(['app', 'sidecar']);
    expect(containers(out)[0]).toMatchObject({ name: 'app', image: 'nginx:2', env: [{ name: 'X' }, { name: 'Y' }] });
    expect(containers(out)[1]).toEqual({ name: 'sidecar', image: 'busybox' });
  });

  it('$patch: delete removes one list item by its merge key', () => {
    const out = applyStrategicMergePatch(pod(), { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } });
    expect(names(containers(out))).toEqual(['app']);
  });

  it('merges env by name', () => {
    const out = applyStrategicMergePatch(pod(), {
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'Y', value: '3' },
              { name: 'Z', value: '4' },
            ],
          },
        ],
      },
    });
    expect(containers(out)[0]!['env']).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: '3' },
      { name: 'Z', value: '4' },
    ]);
  });

  it('merges container ports by containerPort and service ports by port', () => {
    const out = applyStrategicMergePatch(pod(), {
      spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }] }] },
    });
    expect(containers(out)[0]!['ports']).toEqual([{ containerPort: 80, name: 'http' }, { containerPort: 443 }]);

    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    expect(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } })).toEqual({
      spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] },
    });
  });

  it('merges containers inside every kind of pod template', () => {
    const deployment = {
      spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } } },
    };
    const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } });
    expect(out).toEqual({ spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } } } });

    const cronjob = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }] } } } } } };
    const patched = applyStrategicMergePatch(cronjob, {
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }] } } } } },
    });
    expect(JSON.stringify(patched)).toBe(
      JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: '2' }, { name: 'b' }] } } } } } }),
    );
  });

  it('applies to a bare PodSpec given where it sits', () => {
    const spec = pod()['spec'];
    const out = applyStrategicMergePatch(spec, { containers: [{ name: 'sidecar', image: 'alpine' }] }, 'spec');
    expect(names(out['containers'] as Json[])).toEqual(['app', 'sidecar']);
  });

  it('replaces lists without a merge key, such as tolerations', () => {
    const out = applyStrategicMergePatch(pod(), { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } });
    expect((out['spec'] as Json)['tolerations']).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  it('puts new list items first unless $setElementOrder says otherwise, as Kubernetes does', () => {
    const added = { spec: { containers: [{ name: 'new', image: 'x' }] } };
    expect(names(containers(applyStrategicMergePatch(pod(), added)))).toEqual(['new', 'app', 'sidecar']);
    const ordered = {
      spec: {
        '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }, { name: 'new' }],
        containers: [{ name: 'new', image: 'x' }],
      },
    };
    expect(names(containers(applyStrategicMergePatch(pod(), ordered)))).toEqual(['app', 'sidecar', 'new']);
    const reordered = { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } };
    expect(names(containers(applyStrategicMergePatch(pod(), reordered)))).toEqual(['sidecar', 'app']);
  });

  it('merges finalizers as a set and deletes from it with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(pod(), { metadata: { finalizers: ['b', 'a'] } });
    expect((added['metadata'] as Json)['finalizers']).toEqual(['b', 'a']);
    const removed = applyStrategicMergePatch(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect((removed['metadata'] as Json)['finalizers']).toEqual([]);
    const none = applyStrategicMergePatch({ metadata: {} }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect(none).toEqual({ metadata: {} });
  });

  it('null deletes a field', () => {
    const out = applyStrategicMergePatch(pod(), { metadata: { labels: { app: null } }, spec: { tolerations: null } });
    expect((out['metadata'] as Json)['labels']).toEqual({});
    expect(out['spec']).not.toHaveProperty('tolerations');
  });

  it('honours $patch: replace and $patch: delete on objects and lists', () => {
    const replacedMap = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'replace', tier: 'db' } } });
    expect((replacedMap['metadata'] as Json)['labels']).toEqual({ tier: 'db' });
    const deletedMap = applyStrategicMergePatch(pod(), { metadata: { labels: { $patch: 'delete' } } });
    expect((deletedMap['metadata'] as Json)['labels']).toEqual({});
    const replacedList = applyStrategicMergePatch(pod(), {
      spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] },
    });
    expect(containers(replacedList)).toEqual([{ name: 'only', image: 'x' }]);
    const root = applyStrategicMergePatch(pod(), { $patch: 'replace', kind: 'Pod' });
    expect(root).toEqual({ kind: 'Pod' });
  });

  it('$retainKeys clears the fields it does not name', () => {
    const deployment = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, replicas: 2 } };
    const out = applyStrategicMergePatch(deployment, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect(out).toEqual({ spec: { strategy: { type: 'Recreate' }, replicas: 2 } });
    expect(() =>
      applyStrategicMergePatch(deployment, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }),
    ).toThrow('invalid patch format of retainKeys');
  });

  it('merges status conditions by type', () => {
    const node = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'MemoryPressure', status: 'False' },
        ],
      },
    };
    const out = applyStrategicMergePatch(node, { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletDown' }] } });
    expect((out['status'] as Json)['conditions']).toEqual([
      { type: 'Ready', status: 'False', reason: 'KubeletDown' },
      { type: 'MemoryPressure', status: 'False' },
    ]);
  });

  it('never stores nulls or directives from values that had nothing to merge into', () => {
    const out = applyStrategicMergePatch(
      { spec: { containers: [{ name: 'a' }] } },
      {
        spec: {
          nodeSelector: { disk: 'ssd', gone: null },
          containers: [{ name: 'b', image: 'x', args: null, resources: { limits: { cpu: '1', memory: null } } }],
          initContainers: [{ name: 'i', image: 'y' }, { name: 'z', $patch: 'delete' }],
        },
      },
    );
    expect(out).toEqual({
      spec: {
        containers: [{ name: 'b', image: 'x', resources: { limits: { cpu: '1' } } }, { name: 'a' }],
        nodeSelector: { disk: 'ssd' },
        initContainers: [{ name: 'i', image: 'y' }],
      },
    });
  });

  it('does not modify its arguments', () => {
    const original = pod();
    const patch = { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } };
    applyStrategicMergePatch(original, patch);
    expect(original).toEqual(pod());
    expect(patch).toEqual({ spec: { containers: [{ name: 'app', image: 'nginx:2' }] } });
  });

  it('reports bad patches with Kubernetes messages', () => {
    const err = (patch: unknown) => {
      try {
        applyStrategicMergePatch(pod(), patch);
      } catch (e) {
        expect(e).toBeInstanceOf(StrategicMergePatchError);
        return (e as Error).message;
      }
      throw new Error('applied');
    };
    expect(err({ spec: { containers: [{ image: 'x' }] } })).toBe('map: map[image:x] does not contain declared merge key: name');
    expect(err({ metadata: { labels: { $patch: 'frob' } } })).toBe('unknown patch type: frob in map: map[$patch:frob]');
    expect(err({ spec: { containers: [{ name: 'x', $patch: 'merge' }] } })).toBe(
      'merging lists cannot yet be specified in the patch',
    );
    expect(err({ metadata: { finalizers: [1] } })).toMatch(/^list element types are not identical/);
    expect(
      err({
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
          containers: [{ name: 'sidecar', image: 'a' }, { name: 'app', image: 'b' }],
        },
      }),
    ).toMatch(/doesn't match \$setElementOrder list/);
    expect(err([1, 2])).toMatch(/invalid JSON document/);
  });
});

describe('strategic-keys', () => {
  it('looks fields up by path with list indexes dropped', () => {
    expect(lookupPatchMeta('spec.template.spec.containers[1].env')).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(lookupPatchMeta('spec.containers.volumeMounts').mergeKey).toBe('mountPath');
    expect(lookupPatchMeta('spec.tolerations')).toEqual({});
    expect(lookupPatchMeta('metadata.ownerReferences').mergeKey).toBe('uid');
    expect(lookupPatchMeta('spec.template.spec.volumes').retainKeys).toBe(true);
  });
});

describe('createTwoWayStrategicMergePatch', () => {
  it('describes a changed container image by merge key, keeping order', () => {
    const modified = pod();
    (containers(modified)[0] as Json)['image'] = 'nginx:2';
    const patch = createTwoWayStrategicMergePatch(pod(), modified);
    expect(patch).toEqual({
      spec: {
        containers: [{ name: 'app', image: 'nginx:2' }],
        '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
      },
    });
    expect(applyStrategicMergePatch(pod(), patch)).toEqual(modified);
  });

  it('deletes removed list items and primitives, and removed fields', () => {
    const modified = pod();
    (modified['spec'] as Json)['containers'] = [containers(modified)[0]];
    (modified['metadata'] as Json)['finalizers'] = ['b'];
    delete (modified['metadata'] as Json)['labels'];
    const patch = createTwoWayStrategicMergePatch(pod(), modified);
    expect(patch).toEqual({
      metadata: {
        labels: null,
        finalizers: ['b'],
        '$deleteFromPrimitiveList/finalizers': ['a'],
        '$setElementOrder/finalizers': ['b'],
      },
      spec: {
        containers: [{ name: 'sidecar', $patch: 'delete' }],
        '$setElementOrder/containers': [{ name: 'app' }],
      },
    });
    expect(applyStrategicMergePatch(pod(), patch)).toEqual(modified);
  });

  it('names the kept keys in $retainKeys for a Deployment strategy switch', () => {
    const original = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const modified = { spec: { strategy: { type: 'Recreate' } } };
    const patch = createTwoWayStrategicMergePatch(original, modified);
    expect(patch).toEqual({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
    expect(applyStrategicMergePatch(original, patch)).toEqual(modified);
  });

  it('is empty for equal documents and replaces untagged lists whole', () => {
    expect(createTwoWayStrategicMergePatch(pod(), pod())).toEqual({});
    const modified = pod();
    (modified['spec'] as Json)['tolerations'] = [];
    expect(createTwoWayStrategicMergePatch(pod(), modified)).toEqual({ spec: { tolerations: [] } });
  });
});

describe('createThreeWayStrategicMergePatch (kubectl apply)', () => {
  const file = (): JsonObject => ({
    metadata: { name: 'p', labels: { app: 'web', team: 'a' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
      ],
    },
  });
  // What the server holds: the file plus defaults, fields set by others and status.
  const live = (): JsonObject => ({
    metadata: { name: 'p', uid: 'u1', labels: { app: 'web', team: 'a', 'added-by': 'someone' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1',
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
      ],
      restartPolicy: 'Always',
    },
    status: { phase: 'Running' },
  });

  it('sends nothing when the file has not changed', () => {
    expect(createThreeWayStrategicMergePatch(file(), file(), live())).toEqual({});
  });

  it('removes a label deleted from the file but keeps labels added by others', () => {
    const modified = file();
    delete ((modified['metadata'] as Json)['labels'] as Json)['team'];
    const patch = createThreeWayStrategicMergePatch(file(), modified, live());
    expect(patch).toEqual({ metadata: { labels: { team: null } } });
    const out = applyStrategicMergePatch(live(), patch);
    expect((out['metadata'] as Json)['labels']).toEqual({ app: 'web', 'added-by': 'someone' });
    expect(out['status']).toEqual({ phase: 'Running' });
  });

  it('changes an image without dropping defaulted fields', () => {
    const modified = file();
    (containers(modified)[0] as Json)['image'] = 'nginx:2';
    const out = applyStrategicMergePatch(live(), createThreeWayStrategicMergePatch(file(), modified, live()));
    expect(containers(out)[0]).toMatchObject({ image: 'nginx:2', imagePullPolicy: 'IfNotPresent' });
    expect((out['spec'] as Json)['restartPolicy']).toBe('Always');
  });

  it('removes an env var deleted from the file but keeps one added live', () => {
    const current = live();
    (containers(current)[0]!['env'] as Json[]).push({ name: 'INJECTED', value: 'x' });
    const modified = file();
    (containers(modified)[0] as Json)['env'] = [{ name: 'Y', value: '2' }];
    const patch = createThreeWayStrategicMergePatch(file(), modified, current);
    const out = applyStrategicMergePatch(current, patch);
    expect(containers(out)[0]!['env']).toEqual([
      { name: 'Y', value: '2' },
      { name: 'INJECTED', value: 'x' },
    ]);
  });

  it('removes a container deleted from the file, keeps an injected one, and adds the new one', () => {
    const last = file();
    (last['spec'] as Json)['containers'] = [...containers(last), { name: 'old', image: 'o' }];
    const current = live();
    (current['spec'] as Json)['containers'] = [...containers(current), { name: 'old', image: 'o' }, { name: 'mesh', image: 'proxy' }];
    const modified = file();
    (modified['spec'] as Json)['containers'] = [...containers(modified), { name: 'new', image: 'n' }];
    const patch = createThreeWayStrategicMergePatch(last, modified, current);
    const out = applyStrategicMergePatch(current, patch);
    // Kubernetes puts the added container in the slot the deleted one left, so it follows the injected one.
    expect(names(containers(out))).toEqual(['app', 'mesh', 'new']);
  });

  it('switches a volume source, clearing the old one through $retainKeys', () => {
    const withVolume = (source: Json): JsonObject => ({
      spec: { containers: [{ name: 'a' }], volumes: [{ name: 'data', ...source }] },
    });
    const last = withVolume({ emptyDir: {} });
    const modified = withVolume({ configMap: { name: 'cm' } });
    const patch = createThreeWayStrategicMergePatch(last, modified, last);
    expect(applyStrategicMergePatch(last, patch)).toEqual(modified);
  });

  it('restores a value someone changed live when the file sets it', () => {
    const current = live();
    (containers(current)[0] as Json)['image'] = 'hacked';
    const out = applyStrategicMergePatch(current, createThreeWayStrategicMergePatch(file(), file(), current));
    expect(containers(out)[0]!['image']).toBe('nginx:1');
  });

  it('removes a finalizer deleted from the file and keeps the others', () => {
    const last = { metadata: { finalizers: ['a', 'b'] } };
    const modified = { metadata: { finalizers: ['b'] } };
    const current = { metadata: { finalizers: ['a', 'b', 'c'] } };
    const out = applyStrategicMergePatch(current, createThreeWayStrategicMergePatch(last, modified, current));
    expect(out).toEqual({ metadata: { finalizers: ['b', 'c'] } });
  });
});
