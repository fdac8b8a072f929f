import { describe, expect, it } from 'vitest';
import { StatusError } from '../api/status.js';
import type { Pod } from '../api/core/v1.js';
import type { KubeObject } from '../api/meta.js';
import { deleteListErrors, deleteListWarnings, filterPods, parseDuration, type FilterContext } from './drain.js';

type PodObject = Pod & KubeObject;

const owned = (kind: string, name: string) => [{ apiVersion: kind === 'DaemonSet' ? 'apps/v1' : 'apps/v1', kind, name, uid: `${name}-uid`, controller: true }];
function pod(name: string, o: { owner?: [string, string]; emptyDir?: boolean; mirror?: boolean; phase?: string; deletedAt?: string } = {}): PodObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ...(o.owner ? { ownerReferences: owned(o.owner[0], o.owner[1]) } : {}),
      ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
      ...(o.deletedAt ? { deletionTimestamp: o.deletedAt } : {}),
    },
    spec: { containers: [], ...(o.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: o.phase ?? 'Running' },
  } as PodObject;
}

const ctx = (opts: FilterContext['opts'], gone: string[] = []): FilterContext => ({
  opts,
  now: Date.parse('2024-05-01T10:00:00Z'),
  daemonSetError: async (_ns, name) => (gone.includes(name) ? new StatusError(404, 'NotFound', `daemonsets.apps "${name}" not found`) : undefined),
});

const pods = [
  pod('web', { owner: ['ReplicaSet', 'web-abc'] }),
  pod('agent', { owner: ['DaemonSet', 'agent'] }),
  pod('bare'),
  pod('cache', { owner: ['ReplicaSet', 'cache-abc'], emptyDir: true }),
  pod('static', { mirror: true, owner: ['Node', 'n1'] }),
  pod('done', { phase: 'Succeeded' }),
];
const going = (list: Awaited<ReturnType<typeof filterPods>>) => list.filter((i) => i.status.delete).map((i) => i.pod.metadata.name);

describe('which pods drain evicts', () => {
  it('refuses DaemonSet pods, unmanaged pods and pods with emptyDir data without the flags, in kubectl words', async () => {
    const list = await filterPods(pods, ctx({}));
    expect(deleteListErrors(list)).toEqual([
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/agent',
      'cannot delete cannot delete Pods that declare no controller (use --force to override): ns/bare',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/cache',
    ]);
  });

  it('with the flags, evicts all but DaemonSet and mirror pods and warns about what it ignores or deletes', async () => {
    const list = await filterPods(pods, ctx({ ignoreDaemonsets: true, force: true, deleteEmptydirData: true }));
    expect(deleteListErrors(list)).toEqual([]);
    expect(going(list)).toEqual(['web', 'bare', 'cache', 'done']);
    expect(deleteListWarnings(list)).toBe('ignoring DaemonSet-managed Pods: ns/agent; deleting Pods that declare no controller: ns/bare');
  });

  it('deletes an orphan of a deleted DaemonSet only with --force, and skips pods deleted long ago', async () => {
    const orphan = [pod('orphan', { owner: ['DaemonSet', 'gone'] })];
    expect(deleteListErrors(await filterPods(orphan, ctx({ ignoreDaemonsets: true }, ['gone'])))).toEqual(['cannot delete daemonsets.apps "gone" not found: ns/orphan']);
    expect(going(await filterPods(orphan, ctx({ force: true }, ['gone'])))).toEqual(['orphan']);
    const old = [pod('stuck', { owner: ['ReplicaSet', 'x'], deletedAt: '2024-05-01T09:00:00Z' })];
    expect(going(await filterPods(old, ctx({ skipWaitForDeleteTimeout: 60 })))).toEqual([]);
    expect(going(await filterPods(old, ctx({})))).toEqual(['stuck']);
  });

  it('reads --timeout as a Go duration', () => {
    expect(parseDuration('--timeout', '90s')).toBe(90_000);
    expect(parseDuration('--timeout', '1m30s')).toBe(90_000);
    expect(parseDuration('--timeout', '0')).toBe(0);
    expect(() => parseDuration('--timeout', '30')).toThrow('missing unit');
  });
});
