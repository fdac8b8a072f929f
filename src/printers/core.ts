// Columns for the core resources that are not pods or networking:
// namespaces, nodes, configmaps, secrets, serviceaccounts and events.
import { age } from './duration.js';
import { ageColumn, arr, col, int, isObj, nameColumn, NAME_DESCRIPTION, rec, str, type Rec } from './cells.js';
import type { Printer } from './columns.js';

export const namespaces: Printer = {
  columns: [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn],
  row: (ns, now) => [ns.metadata.name, str(rec(ns.status).phase), age(ns.metadata.creationTimestamp, now)],
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v) roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

/** Only the Ready condition speaks for a node's STATUS; a cordoned node adds SchedulingDisabled. */
function nodeStatus(spec: Rec, status: Rec): string {
  const parts: string[] = [];
  const ready = arr(status.conditions).filter((c) => c.type === 'Ready').pop();
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (spec.unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeAddress(status: Rec, type: string): string {
  const a = arr(status.addresses).find((x) => x.type === type);
  return a ? str(a.address) : '<none>';
}

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export const nodes: Printer = {
  columns: [
    nameColumn,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', ADDRESSES_DESCRIPTION, 1),
    col('External-IP', 'string', ADDRESSES_DESCRIPTION, 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row(node, now) {
    const spec = rec(node.spec);
    const status = rec(node.status);
    const info = rec(status.nodeInfo);
    return [
      node.metadata.name,
      nodeStatus(spec, status),
      nodeRoles(node.metadata.labels),
      age(node.metadata.creationTimestamp, now),
      str(info.kubeletVersion),
      nodeAddress(status, 'InternalIP'),
      nodeAddress(status, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

const keyCount = (v: unknown): number => Object.keys(rec(v)).length;

export const configmaps: Printer = {
  columns: [
    nameColumn,
    col(
      'Data',
      'string',
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    ageColumn,
  ],
  row: (cm, now) => [cm.metadata.name, keyCount(cm.data) + keyCount(cm.binaryData), age(cm.metadata.creationTimestamp, now)],
};

export const secrets: Printer = {
  columns: [
    nameColumn,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
    col(
      'Data',
      'string',
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    ageColumn,
  ],
  row: (s, now) => [s.metadata.name, str(s.type), keyCount(s.data), age(s.metadata.creationTimestamp, now)],
};

export const serviceaccounts: Printer = {
  columns: [
    nameColumn,
    col(
      'Secrets',
      'string',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
    ),
    ageColumn,
  ],
  row: (sa, now) => [sa.metadata.name, arr(sa.secrets).length, age(sa.metadata.creationTimestamp, now)],
};

/** formatEventSource: the component (or reporting controller), then the host (or reporting instance). */
function eventSource(ev: Rec): string {
  const source = rec(ev.source);
  const component = str(source.component) || str(ev.reportingComponent);
  const instance = str(source.host) || str(ev.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

export const events: Printer = {
  columns: [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 'The object that this event is about.'),
    col(
      'Subobject',
      'string',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
      1,
    ),
    col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
  ],
  row(ev, now) {
    // Events written through events.k8s.io carry eventTime and series instead of the legacy timestamps and count.
    const firstSeen = str(ev.firstTimestamp) ? age(str(ev.firstTimestamp), now) : age(str(ev.eventTime), now);
    let lastSeen = str(ev.lastTimestamp) ? age(str(ev.lastTimestamp), now) : firstSeen;
    let count = int(ev.count);
    if (isObj(ev.series)) {
      const series = rec(ev.series);
      lastSeen = age(str(series.lastObservedTime), now);
      count = int(series.count);
    } else if (count === 0) count = 1;
    const involved = rec(ev.involvedObject);
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;
    return [
      lastSeen,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      eventSource(ev),
      str(ev.message).trim(),
      firstSeen,
      count,
      ev.metadata.name,
    ];
  },
};
