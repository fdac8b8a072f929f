// DefaultBinder: binds through the pods/binding subresource, as the only
// way a scheduler sets spec.nodeName.
import type { Pod } from '../../src/api/core/v1.js';
import type { RestClient } from '../../src/client/index.js';
import { errorStatus, success, type BindPlugin, type CycleState, type FrameworkHandle, type Status } from '../framework.js';

export const DEFAULT_BINDER = 'DefaultBinder';

export const podsResource = { group: '', version: 'v1', plural: 'pods', namespaced: true } as const;

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  private readonly client: RestClient | undefined;

  constructor(_args: unknown, handle: FrameworkHandle) {
    this.client = handle.client;
  }

  async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    if (!this.client) return errorStatus('no client to bind with');
    const { namespace, name, uid } = pod.metadata;
    try {
      await this.client.resource(podsResource).createSubresource(namespace, name!, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, ...(uid ? { uid } : {}) },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      return success();
    } catch (err) {
      return errorStatus(err instanceof Error ? err.message : String(err));
    }
  }
}
