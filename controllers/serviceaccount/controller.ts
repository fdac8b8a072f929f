// The ServiceAccount controller (Kubernetes' pkg/controller/serviceaccount):
// every active namespace has a ServiceAccount named "default", created with
// the namespace and again whenever someone deletes it.
import type { Namespace, ServiceAccount } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';
import { isAlreadyExists, isNamespaceTerminating, type Informer, type ResourceClient, type ResourceRef } from '../../src/client/index.js';
import { QueueController, type ControllerContext, type ControllerDescriptor, type SyncResult } from '../controller.js';

export const serviceAccountControllerName = 'serviceaccount';

type NamespaceObject = Namespace & KubeObject;
type ServiceAccountObject = ServiceAccount & KubeObject;

const namespacesRef: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
const serviceAccountsRef: ResourceRef = { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true };

export interface ServiceAccountControllerOptions {
  /** the accounts every namespace gets; Kubernetes' default is just "default" */
  serviceAccounts?: string[];
  workers?: number;
}

export class ServiceAccountController extends QueueController {
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly accounts: Informer<ServiceAccountObject>;
  private readonly client: ResourceClient<ServiceAccountObject>;
  private readonly names: string[];

  constructor(ctx: ControllerContext, opts: ServiceAccountControllerOptions = {}) {
    // Keys are namespace names.
    super(ctx, { name: serviceAccountControllerName, workers: opts.workers ?? 1 });
    this.names = opts.serviceAccounts ?? ['default'];
    this.client = ctx.client.resource<ServiceAccountObject>(serviceAccountsRef);
    this.namespaces = this.waitsFor(ctx.informers.informerFor<NamespaceObject>(namespacesRef));
    this.accounts = this.waitsFor(ctx.informers.informerFor<ServiceAccountObject>(serviceAccountsRef));
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.enqueueKey(ns.metadata.name ?? ''),
      onUpdate: (_old, ns) => this.enqueueKey(ns.metadata.name ?? ''),
    });
    this.accounts.addEventHandler({
      onDelete: (sa) => {
        if (this.names.includes(sa.metadata.name ?? '')) this.enqueueKey(sa.metadata.namespace ?? '');
      },
    });
  }

  protected async sync(namespace: string): Promise<SyncResult> {
    const ns = this.namespaces.get(namespace);
    if (!ns || ns.status?.phase !== 'Active' || ns.metadata.deletionTimestamp) return;
    for (const name of this.names) {
      if (this.accounts.get(`${namespace}/${name}`)) continue;
      try {
        await this.client.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        if (isNamespaceTerminating(err)) return;
        throw err;
      }
    }
  }
}

export function serviceAccountController(opts: ServiceAccountControllerOptions = {}): ControllerDescriptor {
  return { name: serviceAccountControllerName, init: (ctx) => new ServiceAccountController(ctx, opts) };
}
