// What the generic machinery (apiserver registry, discovery, clients, CLI)
// needs to know about one served resource. The table of all of them is in
// src/api/resources.ts; the per-kind schemas, defaults and validation in
// src/api/{core,apps,batch,autoscaling,coordination,discovery}/.
import type { z } from 'zod';
import type { KubeObject } from './meta.js';
import type { FieldErrors } from './validation/field.js';

export interface ScaleSubresource {
  /** JSON path (dotted) of desired replicas, e.g. "spec.replicas" */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** where the label selector lives, e.g. "spec.selector" (a LabelSelector) */
  labelSelectorPath: string;
}

export interface ResourceInfo {
  /** '' for the core group */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** URL segment, e.g. "pods" */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** e.g. ["all"] for pods, services, deployments... (kubectl get all) */
  categories: string[];
  /** API verbs as discovery lists them */
  verbs: string[];
  subresources: {
    status: boolean;
    scale?: ScaleSubresource;
    /** pods only: pods/{name}/binding */
    binding?: boolean;
  };
  /** the full object schema (zod); unknown fields are what it strips */
  schema: z.ZodType;
  /** fill in Kubernetes' defaults in place (after decoding, before validation) */
  defaults(obj: KubeObject): void;
  /** validation on create (old undefined) or update; [] when valid */
  validate(obj: KubeObject, old?: KubeObject): FieldErrors;
  /**
   * Set on a version served by conversion (autoscaling/v1 HPAs): its objects
   * are stored as another version of the same resource and converted on the
   * way in and out, as Kubernetes serves every version from one storage version.
   */
  storedAs?: VersionConversion;
}

export interface VersionConversion {
  /** the version objects are stored in, e.g. "v2" */
  version: string;
  toStored(obj: KubeObject): KubeObject;
  fromStored(obj: KubeObject): KubeObject;
}

export const apiVersionOf = (r: Pick<ResourceInfo, 'group' | 'version'>): string =>
  r.group ? `${r.group}/${r.version}` : r.version;
