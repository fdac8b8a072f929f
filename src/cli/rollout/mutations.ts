// The patches `rollout pause`, `resume` and `restart` send (kubectl's object
// pauser, resumer and restarter), or the reason an object cannot take one.
import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resource.js';

export type Mutation = { patch: Record<string, unknown> } | { error: string };

type Kind = Pick<ResourceInfo, 'group' | 'kind'>;

const isDeployment = (info: Kind): boolean => info.group === 'apps' && info.kind === 'Deployment';

function spec(obj: KubeObject): Record<string, unknown> {
  const s = obj.spec;
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
}

/** Only Deployments pause; a paused one says so. */
export function pauseMutation(info: Kind, obj: KubeObject): Mutation {
  if (!isDeployment(info)) return { error: 'pausing is not supported' };
  if (spec(obj).paused === true) return { error: 'is already paused' };
  return { patch: { spec: { paused: true } } };
}

export function resumeMutation(info: Kind, obj: KubeObject): Mutation {
  if (!isDeployment(info)) return { error: 'resuming is not supported' };
  if (spec(obj).paused !== true) return { error: 'is not paused' };
  // paused is omitted when false, so kubectl's computed patch deletes it.
  return { patch: { spec: { paused: null } } };
}

export const restartedAtAnnotation = 'kubectl.kubernetes.io/restartedAt';

/** A new template annotation makes the controller roll every pod; restartedAt is RFC 3339 local time. */
export function restartMutation(info: Kind, obj: KubeObject, restartedAt: string): Mutation {
  if (info.group !== 'apps' || !['Deployment', 'DaemonSet', 'StatefulSet'].includes(info.kind)) return { error: 'restarting is not supported' };
  if (isDeployment(info) && spec(obj).paused === true) return { error: "can't restart paused deployment (run rollout resume first)" };
  return { patch: { spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: restartedAt } } } } } };
}
