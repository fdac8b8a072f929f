import { describe, expect, it } from 'vitest';
import { decodeObject } from './decode.js';
import { apiVersionOf } from './resource.js';
import { allResources, findByKind, findResource, resolveResourceName, STANDARD_VERBS } from './resources.js';

const ids = (names: string[]) => names.map((n) => resolveResourceName(n)).map((r) => (r ? `${r.plural}.${r.group}` : undefined));

describe('the resource table', () => {
  it('serves every expected resource once, in its group and version', () => {
    expect(allResources.map((r) => `${apiVersionOf(r)} ${r.plural}`).sort()).toEqual(
      [
        'v1 namespaces',
        'v1 pods',
        'v1 services',
        'v1 endpoints',
        'v1 nodes',
        'v1 configmaps',
        'v1 secrets',
        'v1 events',
        'v1 serviceaccounts',
        'apps/v1 deployments',
        'apps/v1 replicasets',
        'apps/v1 daemonsets',
        'apps/v1 statefulsets',
        'apps/v1 controllerrevisions',
        'batch/v1 jobs',
        'batch/v1 cronjobs',
        'autoscaling/v2 horizontalpodautoscalers',
        'coordination.k8s.io/v1 leases',
        'discovery.k8s.io/v1 endpointslices',
        'policy/v1 poddisruptionbudgets',
      ].sort(),
    );
  });

  it('scopes namespaces and nodes to the cluster and everything else to namespaces', () => {
    expect(allResources.filter((r) => !r.namespaced).map((r) => r.plural).sort()).toEqual(['namespaces', 'nodes']);
  });

  it('lists the kinds `kubectl get all` shows in the "all" category', () => {
    expect(allResources.filter((r) => r.categories.includes('all')).map((r) => r.plural).sort()).toEqual(
      ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'services', 'statefulsets'],
    );
  });

  it('lists the verbs discovery shows, without deletecollection for namespaces', () => {
    expect(findResource('', 'v1', 'namespaces')?.verbs).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    expect(findResource('', 'v1', 'nodes')?.verbs).toEqual(STANDARD_VERBS);
    expect(STANDARD_VERBS).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  });

  it('names kinds, list kinds and singulars as discovery does', () => {
    const hpa = findResource('autoscaling', 'v2', 'horizontalpodautoscalers')!;
    expect([hpa.kind, hpa.listKind, hpa.singular, hpa.shortNames]).toEqual([
      'HorizontalPodAutoscaler',
      'HorizontalPodAutoscalerList',
      'horizontalpodautoscaler',
      ['hpa'],
    ]);
    expect(findResource('', 'v1', 'endpoints')?.singular).toBe('endpoints');
  });

  it('gives scale subresources to deployments, replicasets and statefulsets only, binding to pods only', () => {
    expect(allResources.filter((r) => r.subresources.scale).map((r) => r.plural).sort()).toEqual(['deployments', 'replicasets', 'statefulsets']);
    expect(findResource('apps', 'v1', 'deployments')?.subresources.scale).toEqual({
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
      labelSelectorPath: 'spec.selector',
    });
    expect(allResources.filter((r) => r.subresources.binding).map((r) => r.plural)).toEqual(['pods']);
  });

  it('gives a status subresource to the kinds that have one', () => {
    expect(allResources.filter((r) => r.subresources.status).map((r) => r.plural).sort()).toEqual(
      ['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'namespaces', 'nodes', 'poddisruptionbudgets', 'pods', 'replicasets', 'services', 'statefulsets'],
    );
  });
});

describe('lookups', () => {
  it('finds by group, version and plural, and by apiVersion and kind', () => {
    expect(findResource('apps', 'v1', 'deployments')?.kind).toBe('Deployment');
    expect(findResource('apps', 'v1beta1', 'deployments')).toBeUndefined();
    expect(findByKind('batch/v1', 'CronJob')?.plural).toBe('cronjobs');
    expect(findByKind('v1', 'Pod')?.plural).toBe('pods');
    expect(findByKind('apps/v1', 'Pod')).toBeUndefined();
  });

  it('resolves what kubectl accepts: plural, singular, short name and kind in any case', () => {
    expect(ids(['deployments', 'deployment', 'deploy', 'Deployment', 'DEPLOYMENTS'])).toEqual(Array(5).fill('deployments.apps'));
    expect(ids(['po', 'pod', 'Pod', 'svc', 'ep', 'no', 'ns', 'cm', 'ev', 'sa', 'rs', 'ds', 'sts', 'cj', 'hpa'])).toEqual([
      'pods.',
      'pods.',
      'pods.',
      'services.',
      'endpoints.',
      'nodes.',
      'namespaces.',
      'configmaps.',
      'events.',
      'serviceaccounts.',
      'replicasets.apps',
      'daemonsets.apps',
      'statefulsets.apps',
      'cronjobs.batch',
      'horizontalpodautoscalers.autoscaling',
    ]);
    expect(ids(['lease', 'endpointslice', 'EndpointSlices', 'controllerrevision'])).toEqual([
      'leases.coordination.k8s.io',
      'endpointslices.discovery.k8s.io',
      'endpointslices.discovery.k8s.io',
      'controllerrevisions.apps',
    ]);
  });

  it('resolves names qualified by group, or by version and group', () => {
    expect(ids(['deployments.apps', 'deployment.apps', 'deploy.apps', 'Deployment.apps', 'deployments.v1.apps'])).toEqual(
      Array(5).fill('deployments.apps'),
    );
    expect(ids(['leases.coordination.k8s.io', 'hpa.autoscaling', 'jobs.v1.batch', 'horizontalpodautoscalers.v2.autoscaling'])).toEqual([
      'leases.coordination.k8s.io',
      'horizontalpodautoscalers.autoscaling',
      'jobs.batch',
      'horizontalpodautoscalers.autoscaling',
    ]);
  });

  it('resolves nothing for unknown names, wrong groups and wrong versions', () => {
    expect(ids(['widgets', 'deployments.batch', 'deployments.v1beta1.apps', 'pods.apps', '', '.apps'])).toEqual(Array(6).fill(undefined));
  });
});

describe('each resource end to end', () => {
  it('decodes, defaults and validates a minimal valid object of every kind with workloads', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const bodies: Record<string, Record<string, unknown>> = {
      deployments: { spec: { selector: { matchLabels: { app: 'web' } }, template } },
      replicasets: { spec: { selector: { matchLabels: { app: 'web' } }, template } },
      daemonsets: { spec: { selector: { matchLabels: { app: 'web' } }, template } },
      statefulsets: { spec: { selector: { matchLabels: { app: 'web' } }, serviceName: 'web', template } },
      cronjobs: { spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { ...template.spec, restartPolicy: 'Never' } } } } } },
      horizontalpodautoscalers: { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } },
      leases: { spec: { holderIdentity: 'a' } },
      endpointslices: { addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] },
      configmaps: { data: { a: 'b' } },
    };
    for (const [plural, body] of Object.entries(bodies)) {
      const info = allResources.find((r) => r.plural === plural)!;
      const { object, warnings } = decodeObject(info, { ...body, metadata: { name: 'web', namespace: 'default' } }, { fieldValidation: 'Strict' });
      expect(warnings).toEqual([]);
      info.defaults(object);
      expect(info.validate(object), plural).toEqual([]);
    }
  });

  it('takes what `kubectl create deployment` sends, in strict mode, and validates it after defaulting', () => {
    const info = findResource('apps', 'v1', 'deployments')!;
    const body = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    };
    const { object, warnings } = decodeObject(info, body, { fieldValidation: 'Strict' });
    expect(warnings).toEqual([]);
    info.defaults(object);
    expect(info.validate(object)).toEqual([]);
    expect(object.spec).toMatchObject({ strategy: { type: 'RollingUpdate' }, revisionHistoryLimit: 10 });
  });

  it('names unknown fields deep inside a pod template', () => {
    const info = findResource('apps', 'v1', 'deployments')!;
    const body = {
      metadata: { name: 'web' },
      spec: { template: { spec: { initContainers: [{ name: 'i', image: 'busybox', restartPolicy: 'Always', imagePullPolice: 'x' }] } } },
    };
    expect(decodeObject(info, body, { fieldValidation: 'Warn' }).warnings).toEqual([
      'unknown field "spec.template.spec.initContainers[0].imagePullPolice"',
    ]);
  });

  it('words the common YAML type mistakes exactly as Kubernetes does', () => {
    const info = findResource('apps', 'v1', 'deployments')!;
    const decodeMessage = (body: Record<string, unknown>): string => {
      try {
        decodeObject(info, body, { fieldValidation: 'Strict' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(decodeMessage({ metadata: { name: 'web', labels: { version: 1 } } })).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
    expect(
      decodeMessage({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ name: 'db', image: 'mongo', ports: [{ containerPort: '27017' }] }] } } },
      }),
    ).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    );
  });
});
