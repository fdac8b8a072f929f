// Per-resource behaviour plugged into the one generic store (store.ts), as
// Kubernetes' registry strategies are: what a create or update may change,
// whether generation is tracked, how a delete proceeds. Adding a resource is
// adding a strategy here when its behaviour differs from the default.
import type { KubeObject } from '../../src/api/meta.js';
import type { ResourceInfo } from '../../src/api/resource.js';
import type { FieldErrors } from '../../src/api/validation/field.js';
import { validateNamespaceStatusUpdate, validatePodStatusUpdate } from '../../src/api/core/validation.js';
import { preparePodForCreate, prepareNamespaceForCreate, prepareServiceForUpdate } from '../../src/api/core/prepare.js';
import { generateJobSelector } from '../../src/api/batch/defaults.js';
import type { Pod, Namespace, Service } from '../../src/api/core/v1.js';
import type { Job } from '../../src/api/batch/v1.js';
import type { Allocation, ServiceAllocations } from './service-allocations.js';
import { admitDefaultTolerationSeconds, type DefaultTolerationSecondsConfig } from './admission-default-tolerations.js';

export interface DeleteDecision {
  /** true: write deletionTimestamp/deletionGracePeriodSeconds and keep the object */
  graceful: boolean;
  gracePeriodSeconds: number;
}

export interface Strategy {
  /** bump metadata.generation when anything outside metadata and status changes */
  trackGeneration: boolean;
  /** called before defaulting on create: reset server-owned fields */
  prepareForCreate(obj: KubeObject): void;
  /** main-resource update: carry over what the main resource may not change */
  prepareForUpdate(next: KubeObject, old: KubeObject): void;
  /** status-subresource update: carry over everything but status */
  prepareForStatusUpdate(next: KubeObject, old: KubeObject): void;
  /** validation of a status-subresource update, when it differs from the resource's update validation */
  validateStatusUpdate?(next: KubeObject, old: KubeObject): FieldErrors;
  /** how a delete with the given grace period proceeds for this object */
  checkGracefulDelete(obj: KubeObject, requestedGrace: number | undefined): DeleteDecision;
  /**
   * a delete that finds nothing to wait for may still need to keep the
   * object (namespaces wait for their contents): return the updated object to
   * store instead of deleting, or undefined to delete.
   */
  beforeDelete?(obj: KubeObject, now: string): KubeObject | undefined;
  /** when an object may leave storage: no finalizers left and, for namespaces, no spec.finalizers */
  canFinalize(obj: KubeObject): boolean;
  /** take what a new object needs from shared ranges (service IPs, node ports) before it is stored */
  allocateForCreate?(obj: KubeObject): Promise<Allocation>;
  allocateForUpdate?(next: KubeObject, old: KubeObject): Promise<Allocation>;
  /** give back what a deleted object held */
  releaseForDelete?(obj: KubeObject): Promise<void>;
}

export interface StrategyContext {
  services: ServiceAllocations;
  /** the DefaultTolerationSeconds admission plugin's settings */
  defaultTolerationSeconds?: DefaultTolerationSecondsConfig;
}

type Rec = Record<string, unknown>;

const asRec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null ? (v as Rec) : undefined);

function keepStatus(next: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete next.status;
  else next.status = old.status;
}

function keepAllButStatus(next: KubeObject, old: KubeObject): void {
  for (const k of Object.keys(next)) {
    if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete next[k];
  }
  for (const [k, v] of Object.entries(old)) {
    if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') next[k] = v;
  }
}

const noGrace: DeleteDecision = { graceful: false, gracePeriodSeconds: 0 };

function baseStrategy(info: ResourceInfo, overrides: Partial<Strategy> = {}): Strategy {
  const hasStatus = info.subresources.status;
  return {
    trackGeneration: false,
    prepareForCreate(obj) {
      // Kubernetes clears client-supplied status on create for resources with a status subresource.
      if (hasStatus) delete obj.status;
    },
    prepareForUpdate(next, old) {
      if (hasStatus) keepStatus(next, old);
    },
    prepareForStatusUpdate(next, old) {
      keepAllButStatus(next, old);
    },
    checkGracefulDelete: () => noGrace,
    canFinalize: (obj) => (obj.metadata.finalizers ?? []).length === 0,
    ...overrides,
  };
}

const podStrategy = (info: ResourceInfo, ctx: StrategyContext): Strategy =>
  baseStrategy(info, {
    prepareForCreate(obj) {
      admitDefaultTolerationSeconds(obj as unknown as Pod, ctx.defaultTolerationSeconds);
      preparePodForCreate(obj as unknown as Pod);
    },
    checkGracefulDelete(obj, requested) {
      const spec = asRec(obj.spec) ?? {};
      const status = asRec(obj.status) ?? {};
      let grace = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30);
      // As Kubernetes: a pod never scheduled, or already finished, has nothing to stop.
      const phase = status.phase;
      if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (grace < 0) grace = 0;
      // A pod already terminating can only have its grace period shortened.
      const current = obj.metadata.deletionGracePeriodSeconds;
      if (obj.metadata.deletionTimestamp && current !== undefined && grace >= current) {
        return { graceful: true, gracePeriodSeconds: current };
      }
      return { graceful: grace > 0, gracePeriodSeconds: grace };
    },
    prepareForStatusUpdate(next, old) {
      keepAllButStatus(next, old);
    },
    validateStatusUpdate: (next, old) => validatePodStatusUpdate(next as unknown as Pod, old as unknown as Pod),
  });

const namespaceStrategy = (info: ResourceInfo): Strategy =>
  baseStrategy(info, {
    prepareForCreate(obj) {
      prepareNamespaceForCreate(obj as unknown as Namespace);
    },
    prepareForUpdate(next, old) {
      keepStatus(next, old);
      // spec.finalizers change only through the finalize subresource.
      next.spec = old.spec;
    },
    beforeDelete(obj, now) {
      const specFinalizers = (asRec(obj.spec)?.finalizers as string[] | undefined) ?? [];
      if (specFinalizers.length === 0) return undefined;
      const copy = structuredClone(obj);
      copy.metadata.deletionTimestamp ??= now;
      copy.metadata.deletionGracePeriodSeconds ??= 0;
      copy.status = { ...(asRec(copy.status) ?? {}), phase: 'Terminating' };
      return copy;
    },
    validateStatusUpdate: (next, old) =>
      validateNamespaceStatusUpdate(next as unknown as Namespace, old as unknown as Namespace),
    canFinalize(obj) {
      const specFinalizers = (asRec(obj.spec)?.finalizers as string[] | undefined) ?? [];
      return specFinalizers.length === 0 && (obj.metadata.finalizers ?? []).length === 0;
    },
  });

const GENERATION_TRACKED = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/daemonsets',
  'apps/statefulsets',
  'batch/jobs',
  'batch/cronjobs',
  'autoscaling/horizontalpodautoscalers',
  'policy/poddisruptionbudgets',
]);

const serviceStrategy = (info: ResourceInfo, ctx: StrategyContext): Strategy =>
  baseStrategy(info, {
    allocateForCreate: (obj) => ctx.services.forCreate(obj),
    allocateForUpdate: (next, old) => ctx.services.forUpdate(next, old),
    releaseForDelete: (obj) => ctx.services.forDelete(obj),
    prepareForUpdate(next, old) {
      keepStatus(next, old);
      // Allocated cluster IPs and node ports survive an update that leaves them out.
      prepareServiceForUpdate(next as unknown as Service, old as unknown as Service);
    },
  });

const jobStrategy = (info: ResourceInfo): Strategy =>
  baseStrategy(info, {
    trackGeneration: true,
    prepareForCreate(obj) {
      delete obj.status;
      // The generated selector needs the uid, which exists only from create on.
      generateJobSelector(obj as unknown as Job);
    },
  });

export function strategyFor(info: ResourceInfo, ctx: StrategyContext): Strategy {
  if (info.group === '' && info.plural === 'pods') return podStrategy(info, ctx);
  if (info.group === '' && info.plural === 'namespaces') return namespaceStrategy(info);
  if (info.group === '' && info.plural === 'services') return serviceStrategy(info, ctx);
  if (info.group === 'batch' && info.plural === 'jobs') return jobStrategy(info);
  return baseStrategy(info, { trackGeneration: GENERATION_TRACKED.has(`${info.group}/${info.plural}`) });
}
