import { describe, expect, it } from 'vitest';
import { planGarbageCollection } from './container-gc.js';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from './runtime/interface.js';

function ctr(id: string, podUid: string, name: string, attempt: number, state: ContainerState, sandboxId = `sb-${podUid}-0`): ContainerStatus {
  return {
    id,
    sandboxId,
    podName: podUid,
    namespace: 'ns',
    podUid,
    name,
    attempt,
    image: 'busybox',
    imageId: 'sha256:x',
    state,
    createdAt: new Date(1_000 + attempt * 100),
    labels: {},
  };
}

function sandbox(podUid: string, attempt: number, state: 'ready' | 'notready'): PodSandboxStatus {
  return { id: `sb-${podUid}-${attempt}`, podName: podUid, namespace: 'ns', uid: podUid, attempt, state, createdAt: new Date(500 + attempt), labels: {} };
}

describe('planGarbageCollection', () => {
  it('keeps the most recent exited instance of each container of a known pod', () => {
    const plan = planGarbageCollection(
      [sandbox('a', 0, 'ready')],
      [ctr('a0', 'a', 'app', 0, 'exited'), ctr('a1', 'a', 'app', 1, 'exited'), ctr('a2', 'a', 'app', 2, 'exited'), ctr('a3', 'a', 'app', 3, 'running')],
      () => true,
    );
    expect(plan.containers.sort()).toEqual(['a0', 'a1']);
    expect(plan.sandboxes).toEqual([]);
  });

  it('treats each container name of a pod separately and never removes running containers', () => {
    const plan = planGarbageCollection(
      [],
      [ctr('i0', 'a', 'init', 0, 'exited'), ctr('s0', 'a', 'side', 0, 'running'), ctr('m0', 'a', 'main', 0, 'exited'), ctr('m1', 'a', 'main', 1, 'created')],
      () => true,
    );
    expect(plan.containers).toEqual([]);
  });

  it('removes every exited container and stopped sandbox of a pod the kubelet no longer knows', () => {
    const plan = planGarbageCollection(
      [sandbox('gone', 0, 'notready'), sandbox('gone', 1, 'notready')],
      [ctr('g0', 'gone', 'app', 0, 'exited', 'sb-gone-0'), ctr('g1', 'gone', 'app', 1, 'exited', 'sb-gone-1')],
      (uid) => uid !== 'gone',
    );
    expect(plan.containers.sort()).toEqual(['g0', 'g1']);
    expect(plan.sandboxes.sort()).toEqual(['sb-gone-0', 'sb-gone-1']);
  });

  it("removes a known pod's old stopped sandboxes once they hold no containers, never its newest", () => {
    const plan = planGarbageCollection(
      [sandbox('a', 0, 'notready'), sandbox('a', 1, 'notready'), sandbox('a', 2, 'notready')],
      [ctr('kept', 'a', 'app', 5, 'exited', 'sb-a-1')],
      () => true,
    );
    // sandbox 1 still holds the container kept for logs; sandbox 2 is the newest
    expect(plan.sandboxes).toEqual(['sb-a-0']);
  });
});
