// A Deployment's ReplicaSets as kubectl's deploymentutil.GetAllReplicaSets
// reads them: those its selector matches that it controls, split into the
// new one (its template is the Deployment's) and the old ones.
import type { KubeObject } from '../../api/meta.js';
import type { ResourceRef, RestClient } from '../../client/index.js';
import { labelSelectorToString } from '../../machinery/labels.js';
import { byCreation, findNewReplicaSet, findOldReplicaSets, type DeploymentObject } from '../../../controllers/deployment/replicasets.js';
import type { ReplicaSetObject } from '../../../controllers/replicaset/status.js';

const replicaSetsRef: ResourceRef = { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true };

export interface DeploymentReplicaSets {
  newRS: ReplicaSetObject | undefined;
  /** every old one, scaled down or not */
  oldRSs: ReplicaSetObject[];
}

const controlledBy = (obj: KubeObject, uid: string | undefined): boolean =>
  obj.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === uid) ?? false;

export async function deploymentReplicaSets(client: RestClient, d: DeploymentObject): Promise<DeploymentReplicaSets> {
  const list = await client.resource<ReplicaSetObject>(replicaSetsRef).listAll(d.metadata.namespace, {
    labelSelector: labelSelectorToString(d.spec.selector),
  });
  // kubectl's FindNewReplicaSet sorts the list by creation in place, so the old ones come out oldest first.
  const owned = list.items.filter((rs) => controlledBy(rs, d.metadata.uid)).sort(byCreation);
  return { newRS: findNewReplicaSet(d, owned), oldRSs: findOldReplicaSets(d, owned).allOld };
}
