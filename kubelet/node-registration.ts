// Registering the Node object (the kubelet's tryRegisterWithAPIServer):
// create it, or adopt the one already there, bringing the labels the kubelet
// owns (hostname, os, arch) up to date and leaving everything else as it is.
import type { Logger } from 'pino';
import type { Taint } from '../src/api/core/v1.js';
import { isAlreadyExists, type RestClient } from '../src/client/index.js';
import { nodesRef, type NodeObject } from './node-status.js';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
const LABEL_BETA_OS = 'beta.kubernetes.io/os';
const LABEL_BETA_ARCH = 'beta.kubernetes.io/arch';

export interface NodeRegistration {
  nodeName: string;
  hostname: string;
  operatingSystem: string;
  architecture: string;
  /** --node-labels: only applied when the node is created, as Kubernetes does */
  extraLabels?: Record<string, string>;
  /** --register-with-taints */
  taints?: Taint[];
}

/** The labels the kubelet sets and keeps correct on every start. */
export function defaultNodeLabels(reg: NodeRegistration): Record<string, string> {
  return {
    [LABEL_BETA_ARCH]: reg.architecture,
    [LABEL_BETA_OS]: reg.operatingSystem,
    [LABEL_ARCH]: reg.architecture,
    [LABEL_HOSTNAME]: reg.hostname,
    [LABEL_OS]: reg.operatingSystem,
  };
}

export function initialNode(reg: NodeRegistration): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: reg.nodeName,
      labels: { ...reg.extraLabels, ...defaultNodeLabels(reg) },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: reg.taints?.length ? { taints: reg.taints } : {},
  };
}

/** The default-label changes an existing node needs, or undefined when it has them already. */
export function labelsToReconcile(existing: NodeObject, reg: NodeRegistration): Record<string, string> | undefined {
  const want = defaultNodeLabels(reg);
  const have = existing.metadata.labels ?? {};
  const patch: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) patch[k] = v;
  return Object.keys(patch).length ? patch : undefined;
}

/** Creates the node or adopts the existing one; returns the node as the server has it. */
export async function registerNode(client: RestClient, reg: NodeRegistration, log?: Logger): Promise<NodeObject> {
  const nodes = client.resource<NodeObject>(nodesRef);
  try {
    const created = await nodes.create(undefined, initialNode(reg));
    log?.info({ node: reg.nodeName }, 'successfully registered node');
    return created;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await nodes.get(undefined, reg.nodeName);
  log?.info({ node: reg.nodeName }, 'node was previously registered');
  const labels = labelsToReconcile(existing, reg);
  if (!labels) return existing;
  return nodes.patch(undefined, reg.nodeName, { metadata: { labels } }, 'merge');
}
