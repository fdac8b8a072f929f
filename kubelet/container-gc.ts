// Container garbage collection (Kubernetes' containerGC with its defaults):
// exited containers of a pod beyond the most recent one per container name
// are removed (that one stays for `logs --previous`), and sandboxes that are
// stopped, hold no containers and are not their pod's newest go too. A pod
// the kubelet no longer knows keeps nothing.
import type { ContainerRuntime, ContainerStatus, PodSandboxStatus } from './runtime/interface.js';

export interface GcPlan {
  containers: string[];
  sandboxes: string[];
}

const newestFirst = (a: { createdAt: Date; attempt: number }, b: { createdAt: Date; attempt: number }): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || b.attempt - a.attempt;

/** What to remove, given everything the runtime holds and which pods are still the kubelet's. */
export function planGarbageCollection(
  sandboxes: PodSandboxStatus[],
  containers: ContainerStatus[],
  isKnownPod: (uid: string) => boolean,
  maxPerPodContainer = 1,
): GcPlan {
  const plan: GcPlan = { containers: [], sandboxes: [] };
  const groups = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    const key = `${c.podUid}\u0000${c.name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(c);
  }
  const removed = new Set<string>();
  for (const group of groups.values()) {
    const known = isKnownPod(group[0]!.podUid);
    const exited = group.filter((c) => c.state === 'exited').sort(newestFirst);
    const keep = known ? maxPerPodContainer : 0;
    for (const c of exited.slice(keep)) {
      plan.containers.push(c.id);
      removed.add(c.id);
    }
  }
  const sandboxInUse = new Set(containers.filter((c) => !removed.has(c.id)).map((c) => c.sandboxId));
  const byPod = new Map<string, PodSandboxStatus[]>();
  for (const s of sandboxes) {
    let g = byPod.get(s.uid);
    if (!g) byPod.set(s.uid, (g = []));
    g.push(s);
  }
  for (const [uid, group] of byPod) {
    const sorted = [...group].sort(newestFirst);
    const candidates = isKnownPod(uid) ? sorted.slice(1) : sorted;
    for (const s of candidates) if (s.state !== 'ready' && !sandboxInUse.has(s.id)) plan.sandboxes.push(s.id);
  }
  return plan;
}

/** Removes what the plan says; a removal that fails is left for the next round. Returns the ids removed. */
export async function collectGarbage(
  runtime: ContainerRuntime,
  isKnownPod: (uid: string) => boolean,
  onError?: (err: unknown) => void,
): Promise<{ removedContainers: string[]; removedSandboxes: string[]; remaining: Set<string> }> {
  const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes(), runtime.listContainers({ all: true })]);
  const plan = planGarbageCollection(sandboxes, containers, isKnownPod);
  const removedContainers: string[] = [];
  const removedSandboxes: string[] = [];
  for (const id of plan.containers) {
    try {
      await runtime.removeContainer(id);
      removedContainers.push(id);
    } catch (err) {
      onError?.(err);
    }
  }
  for (const id of plan.sandboxes) {
    try {
      await runtime.removePodSandbox(id);
      removedSandboxes.push(id);
    } catch (err) {
      onError?.(err);
    }
  }
  const gone = new Set(removedContainers);
  return { removedContainers, removedSandboxes, remaining: new Set(containers.map((c) => c.id).filter((id) => !gone.has(id))) };
}
