import { describe, expect, it } from 'vitest';
import { FieldPath, fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultPod, defaultPodTemplateSpec } from './defaults.js';
import { Binding, Pod, PodTemplateSpec } from './v1.js';
import { validatePod, validatePodBinding, validatePodStatusUpdate, validatePodTemplateSpec } from './validation.js';

const show = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

/** What the apiserver does with a request body: decode, default. */
function decodePod(body: unknown): Pod {
  const pod = Pod.parse(body);
  defaultPod(pod);
  return pod;
}

const base = () => ({
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'nginx:1.25',
        ports: [{ name: 'http', containerPort: 80 }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        livenessProbe: { httpGet: { path: '/', port: 'http' } },
        readinessProbe: { tcpSocket: { port: 80 } },
      },
    ],
    initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.conf' }] } },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }],
        },
      },
    },
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
});

type Body = ReturnType<typeof base>;
const errorsFor = (mutate: (b: Body & { spec: Record<string, unknown> }) => void): string[] => {
  const b = base() as Body & { spec: Record<string, unknown> };
  mutate(b);
  return show(validatePod(decodePod(b)));
};

describe('validatePod on create', () => {
  it('accepts a well-formed pod once defaulted', () => {
    expect(show(validatePod(decodePod(base())))).toEqual([]);
  });

  it('requires at least one container', () => {
    expect(errorsFor((b) => (b.spec.containers = []))).toEqual(['spec.containers: Required value']);
  });

  it('requires container names, as unique DNS labels', () => {
    expect(errorsFor((b) => (b.spec.containers[0]!.name = ''))).toEqual(['spec.containers[0].name: Required value']);
    expect(errorsFor((b) => (b.spec.containers[0]!.name = 'App'))[0]).toMatch(
      /^spec\.containers\[0\]\.name: Invalid value: "App": a lowercase RFC 1123 label must consist of/,
    );
    expect(errorsFor((b) => (b.spec.initContainers[0]!.name = 'app'))).toEqual(['spec.initContainers[0].name: Duplicate value: "app"']);
  });

  it('requires an image', () => {
    expect(errorsFor((b) => delete (b.spec.containers[0] as { image?: string }).image)).toEqual(['spec.containers[0].image: Required value']);
  });

  it('checks port numbers, names and protocols', () => {
    expect(errorsFor((b) => (b.spec.containers[0]!.ports = [{ name: 'http', containerPort: 70000 }]))).toEqual([
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    expect(errorsFor((b) => (b.spec.containers[0]!.ports = [{ name: 'http', containerPort: 80, protocol: 'HTTP' } as never]))).toEqual([
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(errorsFor((b) => (b.spec.containers[0]!.ports = [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }]))).toEqual([
      'spec.containers[0].ports[1].name: Duplicate value: "http"',
    ]);
  });

  it('checks the restart and DNS policies', () => {
    expect(errorsFor((b) => (b.spec.restartPolicy = 'Sometimes'))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    expect(errorsFor((b) => (b.spec.dnsPolicy = 'None'))).toEqual([
      'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
    ]);
  });

  it('checks resource quantities and that requests stay within limits', () => {
    const withResources = (r: object) => errorsFor((b) => ((b.spec.containers[0] as { resources: object }).resources = r));
    expect(withResources({ requests: { cpu: '2' }, limits: { cpu: '1' } })).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    expect(withResources({ limits: { memory: '-1Gi' } })).toEqual([
      'spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ]);
    expect(withResources({ requests: { cpu: 'lots' } })).toEqual([
      "spec.containers[0].resources.requests[cpu]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ]);
    expect(withResources({ requests: { gpus: '1' } })).toEqual([
      'spec.containers[0].resources.requests[gpus]: Invalid value: "gpus": must be a standard resource for containers',
    ]);
    expect(withResources({ limits: { 'example.com/gpu': '1' }, requests: { 'example.com/gpu': '0.5' } })).toEqual([
      'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer',
      'spec.containers[0].resources.requests: Invalid value: "500m": must be equal to example.com/gpu limit of 1',
    ]);
  });

  it('requires unique volume names and mounts of existing volumes', () => {
    expect(errorsFor((b) => b.spec.volumes.push({ name: 'data', emptyDir: {} }))).toEqual(['spec.volumes[2].name: Duplicate value: "data"']);
    expect(errorsFor((b) => (b.spec.containers[0]!.volumeMounts = [{ name: 'missing', mountPath: '/m' }]))).toEqual([
      'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
    ]);
    expect(errorsFor((b) => (b.spec.volumes[1] = { name: 'cfg', hostPath: { path: '/x' }, emptyDir: {} } as never))).toEqual([
      'spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type',
    ]);
    expect(errorsFor((b) => (b.spec.volumes[1] = { name: 'cfg', configMap: { name: 'c', items: [{ key: 'a', path: '../x' }] } }))).toEqual([
      'spec.volumes[1].configMap.items[0].path: Invalid value: "../x": must not contain \'..\'',
    ]);
  });

  it('checks environment variable names and sources', () => {
    expect(errorsFor((b) => (b.spec.containers[0]!.env = [{ name: 'A=B', value: 'x' } as never]))).toEqual([
      `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]);
    expect(errorsFor((b) => (b.spec.containers[0]!.env = [{ name: 'X', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } } as never]))).toEqual([
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
    ]);
    const fieldRef = (fieldPath: string) =>
      errorsFor((b) => (b.spec.containers[0]!.env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath } } }]));
    expect(fieldRef('spec.host')).toEqual([
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.host": error converting fieldPath: field label not supported: spec.host',
    ]);
    expect(fieldRef('status.phase')).toEqual([
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
    ]);
    expect(fieldRef("metadata.labels['app']")).toEqual([]);
  });

  it('requires exactly one probe handler', () => {
    const probe = (p: object) => errorsFor((b) => ((b.spec.containers[0] as { livenessProbe: object }).livenessProbe = p));
    expect(probe({ httpGet: { port: 80 }, tcpSocket: { port: 80 } })).toEqual([
      'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    ]);
    expect(probe({ periodSeconds: 5 })).toEqual(['spec.containers[0].livenessProbe: Required value: must specify a handler type']);
    expect(probe({ exec: { command: ['true'] }, successThreshold: 2 })).toEqual([
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    ]);
  });

  it('forbids probes on plain init containers but allows them on sidecars', () => {
    expect(errorsFor((b) => Object.assign(b.spec.initContainers[0]!, { readinessProbe: { exec: { command: ['true'] } } }))).toEqual([
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers',
    ]);
    expect(
      errorsFor((b) => Object.assign(b.spec.initContainers[0]!, { restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } })),
    ).toEqual([]);
  });

  it('checks affinity and tolerations', () => {
    expect(
      errorsFor((b) => (b.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions[0]!.operator = 'Near')),
    ).toEqual([
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
    ]);
    expect(errorsFor((b) => (b.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]))).toEqual([
      "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]);
    expect(errorsFor((b) => (b.spec.tolerations = [{ operator: 'Equal', value: 'x' } as never]))).toEqual([
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
  });

  it('checks the pod name and namespace', () => {
    expect(errorsFor((b) => (b.metadata.name = 'Web'))[0]).toMatch(/^metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/);
  });

  it('forbids ephemeral containers on create', () => {
    expect(errorsFor((b) => (b.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]))).toEqual([
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]);
  });
});

describe('validatePod on update', () => {
  const stored = () => {
    const p = decodePod(base());
    p.metadata = { ...p.metadata, uid: 'u', resourceVersion: '5', creationTimestamp: '2024-01-01T00:00:00Z' };
    p.spec.nodeName = 'node-1';
    return p;
  };

  it('allows image changes and added tolerations', () => {
    const now = structuredClone(stored());
    now.spec.containers[0]!.image = 'nginx:1.26';
    now.spec.tolerations!.push({ key: 'gpu', operator: 'Exists' });
    expect(show(validatePod(now, stored()))).toEqual([]);
  });

  it('forbids other spec changes', () => {
    const now = structuredClone(stored());
    now.spec.nodeName = 'node-2';
    const errs = show(validatePod(now, stored()));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/,
    );
    expect(errs[0]).toContain('spec.nodeName');
  });

  it('forbids changing existing tolerations and raising the deadline', () => {
    const now = structuredClone(stored());
    now.spec.tolerations![0]!.effect = 'NoSchedule';
    expect(show(validatePod(now, stored()))).toContain(
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    );
    const before = stored();
    before.spec.activeDeadlineSeconds = 10;
    const later = structuredClone(before);
    later.spec.activeDeadlineSeconds = 20;
    expect(show(validatePod(later, before))).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value',
    ]);
  });

  it('forbids adding containers', () => {
    const now = structuredClone(stored());
    now.spec.containers.push({ ...now.spec.containers[0]!, name: 'second', ports: [] });
    expect(show(validatePod(now, stored()))).toEqual(['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });
});

describe('templates, status and bindings', () => {
  it('reports template labels under the template path and validates its spec', () => {
    const t = PodTemplateSpec.parse({ metadata: { labels: { app: 'a b' } }, spec: { containers: [{ name: 'c' }] } });
    defaultPodTemplateSpec(t);
    const path = FieldPath.root('spec').child('template');
    expect(show(validatePodTemplateSpec(t, path))).toEqual([
      expect.stringMatching(/^spec\.template\.labels: Invalid value: "a b": a valid label must be/) as unknown as string,
      'spec.template.spec.containers[0].image: Required value',
    ]);
  });

  it('does not let a status update move the pod to another node', () => {
    const old = decodePod(base());
    const now = structuredClone(old);
    now.spec.nodeName = 'n2';
    now.status = { ...now.status, podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] };
    expect(show(validatePodStatusUpdate(now, old))).toEqual([
      'status.nodeName: Forbidden: may not be changed directly',
      'status.podIPs: Invalid value: [{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]: may specify no more than one IP for each IP family',
    ]);
  });

  it('binds only to nodes', () => {
    expect(show(validatePodBinding(Binding.parse({ metadata: { name: 'p' }, target: { kind: 'Pod' } })))).toEqual([
      'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
      'target.name: Required value',
    ]);
    expect(validatePodBinding(Binding.parse({ metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }))).toEqual([]);
  });
});
