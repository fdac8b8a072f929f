// SelectorSpread: pods of one controller (the same controller owner
// reference) are spread over nodes and, where nodes carry zone labels, over
// zones: a node scores higher the fewer of its siblings it and its zone
// already run. Zones weigh two thirds, as Kubernetes' SelectorSpread.
import {
  MAX_NODE_SCORE,
  skip,
  success,
  type CycleState,
  type NodeScore,
  type PreScorePlugin,
  type ScorePlugin,
  type StateData,
  type Status,
  type FrameworkHandle,
} from '../framework.js';
import { zoneKey } from '../../src/machinery/topology.js';
import type { NodeInfo, PodInfo } from '../nodeinfo.js';

export const SELECTOR_SPREAD = 'SelectorSpread';
const zoneWeighting = 2 / 3;
const stateKey = `PreScore${SELECTOR_SPREAD}`;

class OwnerState implements StateData {
  constructor(
    readonly ownerUid: string,
    readonly namespace: string,
  ) {}

  clone(): OwnerState {
    return this;
  }
}

export function controllerUid(pi: PodInfo): string | undefined {
  return pi.controllerUid;
}

export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = SELECTOR_SPREAD;

  constructor(
    _args: unknown,
    private readonly handle: FrameworkHandle,
  ) {}

  preScore(state: CycleState, pod: PodInfo): Status {
    const uid = controllerUid(pod);
    if (!uid) return skip();
    state.write(stateKey, new OwnerState(uid, pod.pod.metadata.namespace ?? ''));
    return success();
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<OwnerState>(stateKey);
    if (!s) return 0;
    return node.podsOfController(s.namespace, s.ownerUid);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    const zoneOf = new Map<string, string>();
    const byZone = new Map<string, number>();
    let maxByNode = 0;
    for (const s of scores) {
      maxByNode = Math.max(maxByNode, s.score);
      const node = this.handle.snapshot.getNode(s.name);
      const zone = node ? zoneKey(node.node) : '';
      zoneOf.set(s.name, zone);
      if (zone !== '') byZone.set(zone, (byZone.get(zone) ?? 0) + s.score);
    }
    let maxByZone = 0;
    for (const v of byZone.values()) maxByZone = Math.max(maxByZone, v);
    for (const s of scores) {
      let f = maxByNode > 0 ? (MAX_NODE_SCORE * (maxByNode - s.score)) / maxByNode : MAX_NODE_SCORE;
      const zone = zoneOf.get(s.name) ?? '';
      if (byZone.size > 0 && zone !== '') {
        const zoneScore = maxByZone > 0 ? (MAX_NODE_SCORE * (maxByZone - byZone.get(zone)!)) / maxByZone : MAX_NODE_SCORE;
        f = f * (1 - zoneWeighting) + zoneWeighting * zoneScore;
      }
      s.score = Math.trunc(f);
    }
  }
}
