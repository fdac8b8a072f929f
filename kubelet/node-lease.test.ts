import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseResource, type Lease } from '../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../controllers/testing/apiserver.js';
import { NodeLease, NODE_LEASE_NAMESPACE } from './node-lease.js';
import { nodesRef, type NodeObject } from './node-status.js';

let api: MemoryApiServer;
beforeAll(async () => {
  api = await startMemoryApiServer();
});
afterAll(async () => {
  await api.stop();
});

describe('NodeLease', () => {
  it('creates the lease owned by the node, renews it, and recovers from conflicts and deletion', async () => {
    const node = await api.client.resource<NodeObject>(nodesRef).create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} });
    let now = Date.parse('2024-01-01T00:00:00Z');
    const lease = new NodeLease({ client: api.client, nodeName: 'n1', now: () => now });
    const leases = api.client.resource<Lease>(leaseResource);

    await lease.renew();
    const created = await leases.get(NODE_LEASE_NAMESPACE, 'n1');
    expect(created.spec).toEqual({ holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' });
    expect(created.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid }]);

    now += 10_000;
    await lease.renew();
    expect((await leases.get(NODE_LEASE_NAMESPACE, 'n1')).spec?.renewTime).toBe('2024-01-01T00:00:10.000000Z');

    // someone else wrote the lease: the cached copy is stale, the renewal re-reads
    const current = await leases.get(NODE_LEASE_NAMESPACE, 'n1');
    await leases.update(NODE_LEASE_NAMESPACE, { ...current, metadata: { ...current.metadata, labels: { touched: 'yes' } } });
    now += 10_000;
    await lease.renew();
    const renewed = await leases.get(NODE_LEASE_NAMESPACE, 'n1');
    expect(renewed.spec?.renewTime).toBe('2024-01-01T00:00:20.000000Z');
    expect(renewed.metadata.labels).toEqual({ touched: 'yes' });

    await leases.delete(NODE_LEASE_NAMESPACE, 'n1');
    now += 10_000;
    await lease.renew();
    expect((await leases.get(NODE_LEASE_NAMESPACE, 'n1')).spec?.renewTime).toBe('2024-01-01T00:00:30.000000Z');
  });
});
