// Noticing what happens in the runtime (Kubernetes' PLEG): each relist reads
// every sandbox and container of the node and compares a fingerprint per pod
// with the previous relist, so a container that exits or vanishes wakes its
// pod's worker within one relist period.
import type { ContainerRuntime, ContainerStatus, PodSandboxStatus } from './runtime/interface.js';

export interface Relist {
  /** pods whose sandboxes or containers changed since the last relist (including pods that appeared or vanished) */
  changed: string[];
  /** every pod uid the runtime holds anything for */
  present: Set<string>;
  sandboxes: PodSandboxStatus[];
  containers: ContainerStatus[];
  runningPods: number;
  runningContainers: number;
}

export class PodLifecycleEvents {
  private last = new Map<string, string>();

  constructor(private readonly runtime: ContainerRuntime) {}

  async relist(): Promise<Relist> {
    const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandboxes(), this.runtime.listContainers({ all: true })]);
    const parts = new Map<string, string[]>();
    const add = (uid: string, part: string): void => {
      let p = parts.get(uid);
      if (!p) parts.set(uid, (p = []));
      p.push(part);
    };
    let runningPods = 0;
    let runningContainers = 0;
    for (const s of sandboxes) {
      add(s.uid, `s:${s.id}:${s.state}:${s.ip ?? ''}`);
      if (s.state === 'ready') runningPods++;
    }
    for (const c of containers) {
      add(c.podUid, `c:${c.id}:${c.state}`);
      if (c.state === 'running') runningContainers++;
    }
    const next = new Map<string, string>();
    for (const [uid, p] of parts) next.set(uid, p.sort().join('|'));
    const changed: string[] = [];
    for (const [uid, fp] of next) if (this.last.get(uid) !== fp) changed.push(uid);
    for (const uid of this.last.keys()) if (!next.has(uid)) changed.push(uid);
    this.last = next;
    return { changed, present: new Set(next.keys()), sandboxes, containers, runningPods, runningContainers };
  }
}
