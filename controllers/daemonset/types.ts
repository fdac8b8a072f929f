// The objects the DaemonSet controller reads, as they come from the apiserver.
import type { DaemonSet } from '../../src/api/apps/v1.js';
import type { Node } from '../../src/api/core/v1.js';
import type { KubeObject } from '../../src/api/meta.js';

export type DaemonSetObject = DaemonSet & KubeObject;
export type NodeObject = Node & KubeObject;
