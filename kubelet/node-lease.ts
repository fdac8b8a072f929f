// The node heartbeat: a Lease named after the node in kube-node-lease, its
// renewTime moved forward every renew interval (Kubernetes' node lease
// controller). The node lifecycle controller reads it to tell a live node
// from a dead one; it is owned by the Node so it goes when the node does.
import type { Logger } from 'pino';
import { formatMicroTime, isConflict, isNotFound, leaseResource, type Lease, type RestClient } from '../src/client/index.js';
import { nodesRef, type NodeObject } from './node-status.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_LEASE_DURATION_SECONDS = 40;

export interface NodeLeaseOptions {
  client: RestClient;
  nodeName: string;
  leaseDurationSeconds?: number;
  now?: () => number;
  log?: Logger;
}

export class NodeLease {
  private latest?: Lease;
  private readonly now: () => number;

  constructor(private readonly opts: NodeLeaseOptions) {
    this.now = opts.now ?? Date.now;
  }

  private get leases() {
    return this.opts.client.resource<Lease>(leaseResource);
  }

  /** Until the owner reference is set (the node may not be readable yet), every renewal tries again. */
  private async withOwner(lease: Lease): Promise<Lease> {
    if (lease.metadata.ownerReferences?.length) return lease;
    try {
      const node = await this.opts.client.resource<NodeObject>(nodesRef).get(undefined, this.opts.nodeName);
      if (node.metadata.uid) {
        lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: node.metadata.uid }];
      }
    } catch (err) {
      this.opts.log?.debug({ err: err instanceof Error ? err.message : String(err) }, 'node not readable yet for the lease owner reference');
    }
    return lease;
  }

  private fresh(base: Lease | undefined): Lease {
    const lease: Lease = base
      ? structuredClone(base)
      : {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.opts.nodeName, namespace: NODE_LEASE_NAMESPACE },
          spec: {
            holderIdentity: this.opts.nodeName,
            leaseDurationSeconds: this.opts.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS,
          },
        };
    lease.spec = { ...lease.spec, renewTime: formatMicroTime(this.now()) };
    return lease;
  }

  /** Creates the lease when missing, otherwise moves its renewTime to now. A conflict re-reads and tries once more. */
  async renew(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!this.latest) {
        try {
          this.latest = await this.leases.get(NODE_LEASE_NAMESPACE, this.opts.nodeName);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.latest = await this.leases.create(NODE_LEASE_NAMESPACE, await this.withOwner(this.fresh(undefined)));
          return;
        }
      }
      try {
        this.latest = await this.leases.update(NODE_LEASE_NAMESPACE, await this.withOwner(this.fresh(this.latest)));
        return;
      } catch (err) {
        this.latest = undefined;
        if ((isConflict(err) || isNotFound(err)) && attempt === 0) continue;
        throw err;
      }
    }
  }

  get lease(): Lease | undefined {
    return this.latest;
  }
}
