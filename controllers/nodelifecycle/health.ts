// Node health as the lifecycle controller judges it (Kubernetes'
// tryUpdateNodeHealth): a node is alive while the controller keeps seeing
// something new from it, either a Ready condition with a new heartbeat or a
// renewed Lease in kube-node-lease. The times compared are the controller's
// own clock readings when it saw the news, never the timestamps the node
// wrote, so clock skew between machines does not matter. A node heard from
// longer ago than the grace period gets its Ready, MemoryPressure,
// DiskPressure and PIDPressure conditions set to Unknown.
import type { Node, NodeCondition, NodeStatus } from '../../src/api/core/v1.js';
import { rfc3339 } from '../../src/client/events.js';
import { condition } from './taints.js';

export const nodeStatusUnknownReason = 'NodeStatusUnknown';
export const nodeStatusUnknownMessage = 'Kubelet stopped posting node status.';
export const nodeStatusNeverUpdatedReason = 'NodeStatusNeverUpdated';
export const nodeStatusNeverUpdatedMessage = 'Kubelet never posted node status.';

/** The conditions the kubelet owns and the controller turns Unknown; NetworkUnavailable belongs to the network plugin. */
const kubeletConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

interface HealthData {
  /** controller time when news from the node was last seen */
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** the Ready condition as last seen */
  ready?: NodeCondition;
  leaseRenewTime?: string;
}

export interface HealthVerdict {
  gracePeriodMs: number;
  /** the Ready condition the node had when looked at (a made-up Unknown one when it never posted any) */
  observedReady: NodeCondition;
  /** the Ready condition after this look: differs from observedReady when the controller changed it */
  currentReady?: NodeCondition;
  /** the node with its conditions set Unknown, to be written through nodes/status */
  statusUpdate?: Node;
  /** controller time at which the node will be overdue if nothing new arrives */
  deadline: number;
}

export interface HealthOptions {
  /** Kubernetes' --node-monitor-grace-period, 40 s */
  gracePeriodMs: number;
  /** Kubernetes' --node-startup-grace-period, 1 min: for nodes that never posted a Ready condition */
  startupGracePeriodMs: number;
}

const parseTime = (s: string | null | undefined): number => {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : 0;
};

/** Orders two MicroTime strings precisely: whole seconds by value, then the fraction digit by digit. */
export function microTimeAfter(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  const split = (s: string): [number, string] => {
    const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
    if (!m) return [parseTime(s), ''];
    return [parseTime(`${m[1]}${m[3]}`), (m[2] ?? '').padEnd(9, '0')];
  };
  const [as, af] = split(a);
  const [bs, bf] = split(b);
  return as !== bs ? as > bs : af > bf;
}

export class NodeHealthTracker {
  private readonly data = new Map<string, HealthData>();

  constructor(private readonly opts: HealthOptions) {}

  /** Forgets a node that is gone. */
  delete(name: string): void {
    this.data.delete(name);
  }

  /**
   * Looks at the node and its lease at controller time now: records what is
   * new, and says whether its conditions must turn Unknown. The caller
   * writes statusUpdate and then calls statusWritten.
   */
  observe(node: Node, lease: { spec?: { renewTime?: string } } | undefined, now: number): HealthVerdict {
    const name = node.metadata.name ?? '';
    let health = this.data.get(name);
    const current = condition(node, 'Ready');
    const created = parseTime(node.metadata.creationTimestamp);
    let gracePeriodMs: number;
    let observedReady: NodeCondition;
    if (!current) {
      // Never posted: judged from its creation, with the longer startup grace.
      observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata.creationTimestamp ?? null, lastTransitionTime: node.metadata.creationTimestamp ?? null };
      gracePeriodMs = this.opts.startupGracePeriodMs;
      health = health ? { ...health, ready: undefined } : { probeTimestamp: created, readyTransitionTimestamp: created };
    } else {
      observedReady = { ...current };
      gracePeriodMs = this.opts.gracePeriodMs;
      const saved = health?.ready;
      if (!health || !saved) {
        health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: { ...current }, ...(health?.leaseRenewTime ? { leaseRenewTime: health.leaseRenewTime } : {}) };
      } else if ((saved.lastHeartbeatTime ?? '') !== (current.lastHeartbeatTime ?? '')) {
        const transitioned = (saved.lastTransitionTime ?? '') !== (current.lastTransitionTime ?? '');
        health = {
          probeTimestamp: now,
          readyTransitionTimestamp: transitioned ? now : health.readyTransitionTimestamp,
          ready: { ...current },
          ...(health.leaseRenewTime ? { leaseRenewTime: health.leaseRenewTime } : {}),
        };
      } else {
        health = { ...health, ready: { ...current } };
      }
    }
    // A renewed lease is news too: a kubelet that posts status rarely still renews it every few seconds.
    const renewTime = lease?.spec?.renewTime;
    if (renewTime && microTimeAfter(renewTime, health.leaseRenewTime)) {
      health = { ...health, leaseRenewTime: renewTime, probeTimestamp: now };
    }
    this.data.set(name, health);

    const deadline = health.probeTimestamp + gracePeriodMs;
    if (now <= deadline) return { gracePeriodMs, observedReady, ...(current ? { currentReady: current } : {}), deadline };

    const updated = structuredClone(node);
    const status: NodeStatus = (updated.status ??= {});
    const conditions = (status.conditions ??= []);
    const nowTime = rfc3339(now);
    for (const type of kubeletConditions) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({
          type,
          status: 'Unknown',
          reason: nodeStatusNeverUpdatedReason,
          message: nodeStatusNeverUpdatedMessage,
          lastHeartbeatTime: node.metadata.creationTimestamp ?? null,
          lastTransitionTime: nowTime,
        });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = nodeStatusUnknownReason;
        c.message = nodeStatusUnknownMessage;
        c.lastTransitionTime = nowTime;
      }
    }
    const currentReady = conditions.find((x) => x.type === 'Ready')!;
    const changed = JSON.stringify(currentReady) !== JSON.stringify(observedReady);
    return {
      gracePeriodMs,
      observedReady,
      currentReady: changed ? currentReady : (current ?? currentReady),
      ...(changed ? { statusUpdate: updated } : {}),
      deadline,
    };
  }

  /** Leaving "every node is down": everyone gets a fresh grace period from now. */
  resetProbes(names: string[], now: number): void {
    for (const name of names) {
      const health = this.data.get(name);
      if (health) this.data.set(name, { ...health, probeTimestamp: now, readyTransitionTimestamp: now });
    }
  }

  /** After the controller wrote the node's Unknown conditions: they are what it saw last, as of now. */
  statusWritten(node: Node, now: number): void {
    const name = node.metadata.name ?? '';
    const health = this.data.get(name);
    const ready = condition(node, 'Ready');
    this.data.set(name, {
      probeTimestamp: health?.probeTimestamp ?? now,
      readyTransitionTimestamp: now,
      ...(ready ? { ready: { ...ready } } : {}),
      ...(health?.leaseRenewTime ? { leaseRenewTime: health.leaseRenewTime } : {}),
    });
  }
}
