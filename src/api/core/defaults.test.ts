import { describe, expect, it } from 'vitest';
import {
  defaultImagePullPolicy,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolumeClaim,
  defaultPod,
  defaultPodTemplateSpec,
  defaultSecret,
  defaultService,
} from './defaults.js';
import { prepareNamespaceForCreate, preparePodForCreate, prepareServiceForUpdate } from './prepare.js';
import { podQOSClass } from './qos.js';
import { Namespace, Node, Pod, PodTemplateSpec, Secret, Service } from './v1.js';

const pod = (spec: unknown) => {
  const p = Pod.parse({ metadata: { name: 'p', namespace: 'default' }, spec });
  defaultPod(p);
  return p;
};

describe('defaultImagePullPolicy', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:1.0', 'IfNotPresent'],
    ['nginx@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
    ['nginx:latest@sha256:' + 'a'.repeat(64), 'Always'],
    ['Nginx', 'IfNotPresent'],
    ['', 'IfNotPresent'],
  ])('%s -> %s', (image, policy) => {
    expect(defaultImagePullPolicy(image)).toBe(policy);
  });
});

describe('defaultPod', () => {
  it('fills the pod, container and probe defaults Kubernetes shows', () => {
    const p = pod({
      containers: [
        {
          name: 'c',
          image: 'app:1',
          ports: [{ containerPort: 80 }],
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          livenessProbe: { httpGet: { port: 80 } },
        },
      ],
    });
    expect(p.spec).toEqual({
      containers: [
        {
          name: 'c',
          image: 'app:1',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          env: [{ name: 'N', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
          resources: {},
          livenessProbe: {
            httpGet: { path: '/', port: 80, scheme: 'HTTP' },
            timeoutSeconds: 1,
            periodSeconds: 10,
            successThreshold: 1,
            failureThreshold: 3,
          },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
    });
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('copies limits into missing requests, in canonical form', () => {
    const p = pod({ containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 0.5, memory: '1024Mi' }, requests: { memory: '1000M' } } }] });
    expect(p.spec.containers[0]!.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1G' } });
  });

  it('does not copy limits into requests for templates', () => {
    const t = PodTemplateSpec.parse({ spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1' } } }] } });
    defaultPodTemplateSpec(t);
    expect(t.spec?.containers[0]!.resources).toEqual({ limits: { cpu: '1' } });
    expect(t.spec?.enableServiceLinks).toBeUndefined();
    expect(t.spec?.serviceAccountName).toBeUndefined();
  });

  it('mirrors the deprecated serviceAccount and the pod IP fields', () => {
    const p = Pod.parse({
      metadata: {},
      spec: { serviceAccount: 'builder', containers: [] },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], hostIP: '192.168.0.2' },
    });
    defaultPod(p);
    expect(p.spec.serviceAccountName).toBe('builder');
    expect(p.spec.serviceAccount).toBe('builder');
    expect(p.status).toMatchObject({ podIP: '10.0.0.5', hostIPs: [{ ip: '192.168.0.2' }], phase: 'Running' });

    // When they disagree the singular field wins, as v1 conversion decides.
    const q = Pod.parse({ spec: { containers: [] }, status: { podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] } });
    defaultPod(q);
    expect(q.status?.podIPs).toEqual([{ ip: '10.0.0.9' }]);
  });

  it('defaults host ports on the host network and volume sources', () => {
    const p = pod({
      hostNetwork: true,
      containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 53, protocol: 'UDP' }] }],
      volumes: [{ name: 'scratch' }, { name: 's', secret: { secretName: 's' } }, { name: 'h', hostPath: { path: '/x' } }],
    });
    expect(p.spec.containers[0]!.ports).toEqual([{ containerPort: 53, hostPort: 53, protocol: 'UDP' }]);
    expect(p.spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 's', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'h', hostPath: { path: '/x', type: '' } },
    ]);
  });
});

describe('pod QoS class', () => {
  const spec = (resources: object[]) =>
    ({ containers: resources.map((r, i) => ({ name: `c${i}`, image: 'i', resources: r })) }) as Parameters<typeof podQOSClass>[0];
  it('is Guaranteed when every container limits cpu and memory and requests match', () => {
    expect(podQOSClass(spec([{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } }]))).toBe('Guaranteed');
  });
  it('is Burstable when one container lacks a memory limit', () => {
    expect(podQOSClass(spec([{ limits: { cpu: '1', memory: '1Gi' } }, { limits: { cpu: '1' } }]))).toBe('Burstable');
  });
  it('is Burstable when requests are below limits', () => {
    expect(podQOSClass(spec([{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }]))).toBe('Burstable');
  });
  it('is BestEffort when only other resources or zero quantities are set', () => {
    expect(podQOSClass(spec([{ requests: { 'ephemeral-storage': '1Gi', cpu: '0' } }]))).toBe('BestEffort');
  });
  it('is computed on the defaulted pod, where limits became requests', () => {
    expect(pod({ containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }).status?.qosClass).toBe(
      'Guaranteed',
    );
  });
});

describe('preparePodForCreate', () => {
  it('replaces whatever status the client sent and reports scheduling gates', () => {
    const p = pod({ containers: [{ name: 'c', image: 'i' }], schedulingGates: [{ name: 'example.com/wait' }] });
    p.status = { phase: 'Running', podIP: '1.2.3.4' };
    preparePodForCreate(p);
    expect(p.status).toEqual({
      phase: 'Pending',
      qosClass: 'BestEffort',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
      ],
    });
  });
});

describe('defaultService', () => {
  it('fills type, affinity, protocol, targetPort, traffic policies and families', () => {
    const s = Service.parse({ metadata: { name: 's' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }, { port: 53, targetPort: 'dns', protocol: 'UDP' }] } });
    defaultService(s);
    expect(s.spec).toEqual({
      selector: { app: 'a' },
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 53, protocol: 'UDP', targetPort: 'dns' },
      ],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('defaults externally reachable services and client-IP affinity', () => {
    const s = Service.parse({ spec: { type: 'LoadBalancer', clusterIP: '10.96.0.5', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    defaultService(s);
    expect(s.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      clusterIPs: ['10.96.0.5'],
    });
  });

  it('keeps allocated values on update and drops them when the type no longer needs them', () => {
    const old = Service.parse({
      spec: { type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ name: 'http', port: 80, nodePort: 30080 }] },
    });
    defaultService(old);
    const replaced = Service.parse({ spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } });
    defaultService(replaced);
    prepareServiceForUpdate(replaced, old);
    expect(replaced.spec.clusterIP).toBe('10.96.0.9');
    expect(replaced.spec.clusterIPs).toEqual(['10.96.0.9']);
    expect(replaced.spec.ports?.[0]?.nodePort).toBe(30080);

    const toClusterIP = structuredClone(old);
    toClusterIP.spec.type = 'ClusterIP';
    prepareServiceForUpdate(toClusterIP, old);
    expect(toClusterIP.spec.ports?.[0]?.nodePort).toBeUndefined();
    expect(toClusterIP.spec.externalTrafficPolicy).toBeUndefined();
  });
});

describe('other kinds', () => {
  it('namespaces: name label and Active; the finalizer only on create', () => {
    const ns = Namespace.parse({ metadata: { name: 'team' } });
    defaultNamespace(ns);
    expect(ns).toEqual({ metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } }, status: { phase: 'Active' } });
    prepareNamespaceForCreate(ns);
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
  });

  it('secrets: Opaque, and stringData folded into data', () => {
    const s = Secret.parse({ metadata: { name: 's' }, data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'hello' } });
    defaultSecret(s);
    expect(s).toEqual({ metadata: { name: 's' }, type: 'Opaque', data: { a: 'eA==', b: 'aGVsbG8=' } });
  });

  it('nodes: allocatable from capacity, podCIDR mirrored', () => {
    const n = Node.parse({ metadata: { name: 'n' }, spec: { podCIDR: '10.244.0.0/24' }, status: { capacity: { cpu: 2, memory: '4096Mi' } } });
    defaultNode(n);
    expect(n.spec.podCIDRs).toEqual(['10.244.0.0/24']);
    expect(n.status?.allocatable).toEqual({ cpu: '2', memory: '4Gi' });
  });

  it('claim templates: Filesystem volume mode and a Pending status', () => {
    const pvc = { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1024Mi' } } } };
    defaultPersistentVolumeClaim(pvc);
    expect(pvc).toEqual({
      metadata: { name: 'data' },
      spec: { volumeMode: 'Filesystem', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Pending' },
    });
  });
});
