// Well-known topology labels of nodes and the zone a node is in (Kubernetes'
// component-helpers/node/topology): the scheduler spreads pods over zones and
// the node lifecycle controller rate-limits evictions per zone by this key.
import type { Node } from '../api/core/v1.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** GetZoneKey: region and zone labels together; nodes without either share the zone "". */
export function zoneKey(node: Node): string {
  const labels = node.metadata.labels ?? {};
  const region = labels[REGION_LABEL] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels[ZONE_LABEL] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}
