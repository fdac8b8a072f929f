import { describe, expect, it } from 'vitest';
import { ConfigMap, Event, Node, Pod, PodTemplateSpec, Secret, Service } from './v1.js';

/** A manifest as a user would write it, touching most of PodSpec. */
const manifest = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
  spec: {
    initContainers: [
      { name: 'migrate', image: 'migrate:1.0', command: ['sh', '-c'], args: ['run'] },
      { name: 'proxy', image: 'envoy:1.30', restartPolicy: 'Always' },
    ],
    containers: [
      {
        name: 'app',
        image: 'registry.local:5000/app:2.1',
        workingDir: '/srv',
        ports: [{ name: 'http', containerPort: 8080, hostPort: 80, protocol: 'TCP', hostIP: '0.0.0.0' }],
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'CFG', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } },
        ],
        envFrom: [{ prefix: 'X_', configMapRef: { name: 'cfg' } }, { secretRef: { name: 'sec', optional: false } }],
        resources: { limits: { cpu: 1, memory: '512Mi' }, requests: { cpu: '250m' }, claims: [{ name: 'gpu' }] },
        volumeMounts: [
          { name: 'data', mountPath: '/data', subPath: 'app', readOnly: true, mountPropagation: 'None' },
          { name: 'cfg', mountPath: '/etc/cfg', subPathExpr: '$(POD)' },
        ],
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http', host: 'localhost', scheme: 'HTTPS', httpHeaders: [{ name: 'X-A', value: 'b' }] },
          initialDelaySeconds: 5,
          periodSeconds: 7,
          timeoutSeconds: 2,
          successThreshold: 1,
          failureThreshold: 4,
          terminationGracePeriodSeconds: 10,
        },
        readinessProbe: { tcpSocket: { port: 8080 } },
        startupProbe: { grpc: { port: 9090, service: 'health' } },
        lifecycle: { postStart: { exec: { command: ['touch', '/ready'] } }, preStop: { sleep: { seconds: 5 } } },
        terminationMessagePath: '/tmp/term',
        terminationMessagePolicy: 'FallbackToLogsOnError',
        imagePullPolicy: 'IfNotPresent',
        securityContext: { runAsUser: 1000, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, readOnlyRootFilesystem: true },
        stdin: true,
        stdinOnce: true,
        tty: true,
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: false } },
      { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 0o600 }], defaultMode: 0o644 } },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
      { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'sec', secret: { secretName: 'sec', optional: true } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      {
        name: 'proj',
        projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'api' } }] },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 45,
    activeDeadlineSeconds: 3600,
    dnsPolicy: 'None',
    dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }] },
    nodeSelector: { disk: 'ssd' },
    serviceAccountName: 'web',
    automountServiceAccountToken: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: true,
    securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
    imagePullSecrets: [{ name: 'regcred' }],
    hostname: 'web-0',
    subdomain: 'web',
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }],
              matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['bad'] }],
            },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] } },
        ],
      },
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, namespaces: ['prod'], topologyKey: 'kubernetes.io/hostname' },
          },
        ],
      },
    },
    schedulerName: 'default-scheduler',
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoExecute', tolerationSeconds: 60 }],
    hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.local'] }],
    priorityClassName: 'high',
    priority: 1000,
    preemptionPolicy: 'Never',
    readinessGates: [{ conditionType: 'example.com/ready' }],
    runtimeClassName: 'runc',
    enableServiceLinks: false,
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
    ],
    overhead: { cpu: '10m' },
  },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-01T00:00:00Z' }],
    hostIP: '192.168.1.5',
    hostIPs: [{ ip: '192.168.1.5' }],
    podIP: '172.17.0.3',
    podIPs: [{ ip: '172.17.0.3' }],
    startTime: '2024-01-01T00:00:00Z',
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: 'app',
        state: { running: { startedAt: '2024-01-01T00:00:01Z' } },
        lastState: { terminated: { exitCode: 137, signal: 9, reason: 'OOMKilled', startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:00:01Z', containerID: 'docker://abc' } },
        ready: true,
        restartCount: 1,
        image: 'registry.local:5000/app:2.1',
        imageID: 'docker-pullable://app@sha256:0',
        containerID: 'docker://def',
        started: true,
      },
    ],
  },
};

describe('core/v1 schemas', () => {
  it('keeps every field of a realistic pod and round-trips', () => {
    const pod = Pod.parse(manifest);
    const expected = structuredClone(manifest) as unknown as { spec: { containers: { resources: { limits: Record<string, unknown> } }[] } };
    // A quantity sent as a number comes back as the string Kubernetes stores.
    expected.spec.containers[0]!.resources.limits.cpu = '1';
    expect(pod).toEqual(expected);
    expect(Pod.parse(JSON.parse(JSON.stringify(pod)))).toEqual(pod);
  });

  it('drops fields Kubernetes does not know, at every depth', () => {
    const pod = Pod.parse({
      metadata: { name: 'x', bogus: 1 },
      spec: { containers: [{ name: 'a', image: 'b', colour: 'red', ports: [{ containerPort: 1, extra: true }] }], nope: 1 },
      extra: 'field',
    });
    expect(pod).toEqual({ metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'b', ports: [{ containerPort: 1 }] }] } });
  });

  it('keeps int-or-string ports as the type the client sent', () => {
    const svc = Service.parse({ metadata: {}, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'http' }] } });
    expect(svc.spec.ports?.map((p) => p.targetPort)).toEqual([8080, 'http']);
  });

  it('stores quantities as strings', () => {
    const node = Node.parse({ metadata: { name: 'n' }, status: { capacity: { cpu: 4, memory: '8Gi', pods: 110 } } });
    expect(node.status?.capacity).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
  });

  it("fills Go's zero values for fields Kubernetes always serializes", () => {
    const pod = Pod.parse({ status: { containerStatuses: [{ name: 'a' }] } });
    expect(pod.metadata).toEqual({});
    expect(pod.spec).toEqual({ containers: [] });
    expect(pod.status?.containerStatuses?.[0]).toEqual({ name: 'a', ready: false, restartCount: 0, image: '', imageID: '' });
    const ev = Event.parse({ metadata: { name: 'e' } });
    expect(ev).toMatchObject({ involvedObject: {}, reportingComponent: '', reportingInstance: '' });
    const nodeWithPort = Node.parse({ status: { daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } });
    expect(nodeWithPort.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
  });

  it('covers config, secret and template shapes', () => {
    expect(ConfigMap.parse({ metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' }, immutable: true })).toEqual({
      metadata: { name: 'c' },
      data: { a: '1' },
      binaryData: { b: 'AA==' },
      immutable: true,
    });
    expect(Secret.parse({ metadata: {}, stringData: { a: 'b' }, type: 'Opaque' }).stringData).toEqual({ a: 'b' });
    expect(PodTemplateSpec.parse({ metadata: { labels: { a: 'b' } } })).toEqual({ metadata: { labels: { a: 'b' } } });
  });
});
