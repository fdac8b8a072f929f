import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/meta.js';
import { allResources } from '../api/resources.js';
import { printers } from './columns.js';
import { toTable } from './table.js';

const NOW = Date.parse('2025-01-10T12:00:00Z');

describe('printers', () => {
  it('gives every served resource kubectl columns instead of NAME / CREATED AT', () => {
    const missing = allResources.map((r) => `${r.group}/${r.plural}`).filter((key) => !printers[key]);
    expect(missing).toEqual([]);
  });

  it('fills one cell per column for every resource, even for an object that carries only a name', () => {
    for (const [key, p] of Object.entries(printers)) {
      const bare: KubeObject = { metadata: { name: 'x' } };
      const cells = p.row(bare, NOW);
      expect(cells, key).toHaveLength(p.columns.length);
      expect(cells.every((c) => typeof c === 'string' || typeof c === 'number'), key).toBe(true);
    }
  });
});

describe('toTable', () => {
  it("builds a deployment Table with kubectl's column names, types and priorities", () => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '812', creationTimestamp: '2025-01-10T11:59:00Z' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
    };
    const table = toTable('apps', 'deployments', [d], { now: NOW, resourceVersion: '812' });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Up-to-date', 'string', 0],
      ['Available', 'string', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ]);
    expect(table.columnDefinitions[0]).toMatchObject({ format: 'name' });
    expect(table.rows).toEqual([
      {
        cells: ['web', '3/3', 3, 3, '60s', 'web', 'nginx:1.27', 'app=web'],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: d.metadata },
      },
    ]);
  });

  it('prints leases with their holder', () => {
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2025-01-10T11:00:00Z' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2025-01-10T11:59:58.000000Z' },
    };
    const table = toTable('coordination.k8s.io', 'leases', [lease, { ...lease, metadata: { ...lease.metadata, name: 'free' }, spec: {} }], { now: NOW });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['node-1', 'node-1', '60m'],
      ['free', '', '60m'],
    ]);
  });
});
