import { describe, expect, it } from 'vitest';
import { findUnknownFields } from '../decode.js';
import { fieldErrorMessage, type FieldErrors } from '../validation/field.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './defaults.js';
import { DaemonSet, Deployment, ReplicaSet, StatefulSet, ControllerRevision } from './v1.js';
import {
  validateControllerRevision,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateStatefulSet,
} from './validation.js';

const messages = (errs: FieldErrors) => errs.map((e) => `${e.field}: ${fieldErrorMessage(e)}`);

const template = (labels: Record<string, string> = { app: 'web' }) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
});

const meta = { name: 'web', namespace: 'default' };

function deployment(spec: Record<string, unknown> = {}) {
  const d = Deployment.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } });
  defaultDeployment(d);
  return d;
}

function replicaSet(spec: Record<string, unknown> = {}) {
  const rs = ReplicaSet.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } });
  defaultReplicaSet(rs);
  return rs;
}

function daemonSet(spec: Record<string, unknown> = {}) {
  const ds = DaemonSet.parse({ metadata: meta, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } });
  defaultDaemonSet(ds);
  return ds;
}

function statefulSet(spec: Record<string, unknown> = {}) {
  const sts = StatefulSet.parse({
    metadata: meta,
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(), serviceName: 'web', ...spec },
  });
  defaultStatefulSet(sts);
  return sts;
}

describe('apps/v1 defaults', () => {
  it('gives a Deployment one replica, a 25%/25% rolling update, 10 revisions and a 600s deadline', () => {
    const d = deployment();
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec!.restartPolicy).toBe('Always');
  });

  it('keeps what the user set and adds no rollingUpdate to a Recreate Deployment', () => {
    const d = deployment({ replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 2, progressDeadlineSeconds: 60 });
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.revisionHistoryLimit).toBe(2);
    expect(d.spec.progressDeadlineSeconds).toBe(60);
    const partial = deployment({ strategy: { rollingUpdate: { maxSurge: 3 } } });
    expect(partial.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: '25%' } });
  });

  it('gives a ReplicaSet one replica', () => {
    expect(replicaSet().spec.replicas).toBe(1);
    expect(replicaSet({ replicas: 4 }).spec.replicas).toBe(4);
  });

  it('gives a DaemonSet a rolling update of 1 unavailable, 0 surge and 10 revisions', () => {
    const ds = daemonSet();
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(daemonSet({ updateStrategy: { type: 'OnDelete' } }).spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('gives a StatefulSet OrderedReady, a partition-0 rolling update, Retain claims, 1 replica, 10 revisions', () => {
    const sts = statefulSet();
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.revisionHistoryLimit).toBe(10);
  });

  it('defaults StatefulSet claim templates as the PersistentVolumeClaims they become', () => {
    const sts = statefulSet({
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ],
    });
    const pvc = sts.spec.volumeClaimTemplates![0]!;
    expect(pvc.apiVersion).toBe('v1');
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(pvc.spec?.volumeMode).toBe('Filesystem');
  });
});

describe('Deployment validation', () => {
  it('accepts a defaulted Deployment', () => {
    expect(validateDeployment(deployment())).toEqual([]);
  });

  it('rejects negative replicas', () => {
    expect(messages(validateDeployment(deployment({ replicas: -1 })))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('requires a selector, and then the template labels cannot match it', () => {
    const d = deployment();
    delete d.spec.selector;
    expect(messages(validateDeployment(d))).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('rejects a selector that does not match the template labels', () => {
    const errs = validateDeployment(deployment({ selector: { matchLabels: { app: 'x' } } }));
    expect(errs).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        badValue: { app: 'web' },
        detail: '`selector` does not match template `labels`',
      },
    ]);
  });

  it('matches expressions against the template labels', () => {
    expect(validateDeployment(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }))).toEqual([]);
    expect(messages(validateDeployment(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('rejects an empty selector', () => {
    expect(messages(validateDeployment(deployment({ selector: {} })))).toEqual([
      'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    ]);
  });

  it('reports an invalid selector expression', () => {
    expect(messages(validateDeployment(deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })))).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"In"}]}: invalid label selector',
    ]);
  });

  it('requires restartPolicy Always and forbids activeDeadlineSeconds in the template', () => {
    const d = deployment();
    Object.assign(d.spec.template.spec!, { restartPolicy: 'Never', activeDeadlineSeconds: 5 });
    expect(messages(validateDeployment(d))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
  });

  it('rejects maxSurge and maxUnavailable both 0, in any form', () => {
    expect(messages(validateDeployment(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } })))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
  });

  it('rejects maxUnavailable above 100% and malformed percentages', () => {
    expect(messages(validateDeployment(deployment({ strategy: { rollingUpdate: { maxUnavailable: '101%', maxSurge: 'x%' } } })))).toEqual([
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"x%\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "101%": must not be greater than 100%',
    ]);
    expect(messages(validateDeployment(deployment({ strategy: { rollingUpdate: { maxSurge: -1 } } })))).toEqual([
      'spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('forbids rollingUpdate with Recreate and rejects unknown strategy types', () => {
    const d = deployment({ strategy: { type: 'Recreate' } });
    d.spec.strategy!.rollingUpdate = { maxSurge: 1 };
    expect(messages(validateDeployment(d))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(messages(validateDeployment(deployment({ strategy: { type: 'BlueGreen' } })))).toEqual([
      'spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"',
    ]);
  });

  it('requires progressDeadlineSeconds above minReadySeconds', () => {
    expect(messages(validateDeployment(deployment({ minReadySeconds: 30, progressDeadlineSeconds: 30 })))).toEqual([
      'spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds',
    ]);
  });

  it('checks metadata through validateObjectMeta', () => {
    const d = deployment();
    d.metadata.name = 'Bad_Name';
    expect(validateDeployment(d).map((e) => e.field)).toEqual(['metadata.name']);
  });

  it('makes the selector immutable on update, but lets the rest change', () => {
    const old = deployment();
    expect(validateDeployment(deployment({ replicas: 5 }), old)).toEqual([]);
    const changed = deployment({ selector: { matchLabels: { app: 'web', tier: 'a' } }, template: template({ app: 'web', tier: 'a' }) });
    expect(messages(validateDeployment(changed, old))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"a"}}: field is immutable',
    ]);
  });
});

describe('ReplicaSet validation', () => {
  it('accepts a defaulted ReplicaSet and rejects negative replicas and minReadySeconds', () => {
    expect(validateReplicaSet(replicaSet())).toEqual([]);
    expect(messages(validateReplicaSet(replicaSet({ replicas: -2, minReadySeconds: -1 })))).toEqual([
      'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('words an empty ReplicaSet selector as Kubernetes does (with "deployment")', () => {
    expect(messages(validateReplicaSet(replicaSet({ selector: {} })))).toEqual([
      'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    ]);
  });

  it('makes the selector immutable on update', () => {
    const changed = replicaSet({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({ app: 'web', v: '2' }) });
    expect(validateReplicaSet(changed, replicaSet()).map((e) => e.field)).toEqual(['spec.selector']);
  });
});

describe('DaemonSet validation', () => {
  it('accepts a defaulted DaemonSet', () => {
    expect(validateDaemonSet(daemonSet())).toEqual([]);
  });

  it('rejects a missing selector only through the label match, as Kubernetes does', () => {
    const ds = daemonSet();
    delete ds.spec.selector;
    expect(messages(validateDaemonSet(ds))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('rejects maxSurge and maxUnavailable both set, or both 0', () => {
    expect(messages(validateDaemonSet(daemonSet({ updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    ]);
    expect(messages(validateDaemonSet(daemonSet({ updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ]);
    expect(validateDaemonSet(daemonSet({ updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: '20%' } } }))).toEqual([]);
  });

  it('rejects percentages over 100% and unknown strategy types', () => {
    expect(messages(validateDaemonSet(daemonSet({ updateStrategy: { rollingUpdate: { maxUnavailable: '150%', maxSurge: 0 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
    expect(messages(validateDaemonSet(daemonSet({ updateStrategy: { type: 'Sometimes' } })))).toEqual([
      'spec.updateStrategy: Unsupported value: {"type":"Sometimes"}: supported values: "RollingUpdate", "OnDelete"',
    ]);
  });

  it('requires restartPolicy Always', () => {
    const ds = daemonSet();
    ds.spec.template.spec!.restartPolicy = 'OnFailure';
    expect(messages(validateDaemonSet(ds))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it('makes the selector immutable on update', () => {
    const changed = daemonSet({ selector: { matchLabels: { app: 'web', v: '2' } }, template: template({ app: 'web', v: '2' }) });
    expect(validateDaemonSet(changed, daemonSet()).map((e) => `${e.field}: ${e.detail}`)).toEqual(['spec.selector: field is immutable']);
  });
});

describe('StatefulSet validation', () => {
  it('accepts a defaulted StatefulSet', () => {
    expect(validateStatefulSet(statefulSet())).toEqual([]);
  });

  it('checks podManagementPolicy, update strategy and claim retention policy', () => {
    expect(
      messages(
        validateStatefulSet(
          statefulSet({
            podManagementPolicy: 'Whenever',
            updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1, maxUnavailable: 0 } },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Delete' },
          }),
        ),
      ),
    ).toEqual([
      "spec.podManagementPolicy: Invalid value: \"Whenever\": must be 'OrderedReady' or 'Parallel'",
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0',
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ]);
  });

  it('forbids rollingUpdate with OnDelete', () => {
    expect(messages(validateStatefulSet(statefulSet({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\'',
    ]);
  });

  it('requires a non-empty selector that matches the template', () => {
    expect(messages(validateStatefulSet(statefulSet({ selector: {} })))).toEqual([
      'spec.selector: Invalid value: {}: empty selector is invalid for statefulset',
    ]);
    expect(messages(validateStatefulSet(statefulSet({ selector: { matchLabels: { app: 'db' } } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('uses DNS label names', () => {
    const sts = statefulSet();
    sts.metadata.name = 'web.v1';
    expect(validateStatefulSet(sts).map((e) => e.field)).toEqual(['metadata.name']);
  });

  it('lets updates change replicas, template, update strategy and minReadySeconds only', () => {
    const old = statefulSet();
    expect(validateStatefulSet(statefulSet({ replicas: 3, minReadySeconds: 5, updateStrategy: { type: 'OnDelete' } }), old)).toEqual([]);
    expect(messages(validateStatefulSet(statefulSet({ serviceName: 'other' }), old))).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});

describe('ControllerRevision validation', () => {
  it('requires data and a non-negative revision, and keeps data immutable', () => {
    const cr = ControllerRevision.parse({ metadata: meta, revision: -1 });
    expect(messages(validateControllerRevision(cr))).toEqual([
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ]);
    const old = ControllerRevision.parse({ metadata: meta, data: { spec: 1 }, revision: 1 });
    const next = ControllerRevision.parse({ metadata: meta, data: { spec: 2 }, revision: 1 });
    expect(validateControllerRevision(next, old).map((e) => `${e.field}: ${e.detail}`)).toEqual(['data: field is immutable']);
  });
});

describe('objects as Kubernetes serves them', () => {
  // `kubectl get deployment web -o json` from a Kubernetes 1.31 cluster.
  const served = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      creationTimestamp: '2024-11-19T10:00:00Z',
      generation: 1,
      labels: { app: 'web' },
      name: 'web',
      namespace: 'default',
      resourceVersion: '1234',
      uid: '0b6d3a6e-8d0b-4a8e-9a55-0c3b6f0e4a11',
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [
            {
              image: 'nginx:1.27',
              imagePullPolicy: 'IfNotPresent',
              name: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {
      availableReplicas: 2,
      conditions: [
        {
          lastTransitionTime: '2024-11-19T10:00:05Z',
          lastUpdateTime: '2024-11-19T10:00:05Z',
          message: 'Deployment has minimum availability.',
          reason: 'MinimumReplicasAvailable',
          status: 'True',
          type: 'Available',
        },
        {
          lastTransitionTime: '2024-11-19T10:00:00Z',
          lastUpdateTime: '2024-11-19T10:00:05Z',
          message: 'ReplicaSet "web-5d8f7c9b4" has successfully progressed.',
          reason: 'NewReplicaSetAvailable',
          status: 'True',
          type: 'Progressing',
        },
      ],
      observedGeneration: 1,
      readyReplicas: 2,
      replicas: 2,
      updatedReplicas: 2,
    },
  };

  it('decodes a served Deployment without unknown fields and without losing any', () => {
    expect(findUnknownFields(Deployment, served)).toEqual([]);
    expect(Deployment.parse(served)).toEqual(served);
  });

  it('keeps every StatefulSet field, claim templates and status included', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default', generation: 2 },
      spec: {
        minReadySeconds: 5,
        ordinals: { start: 1 },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
        podManagementPolicy: 'Parallel',
        replicas: 3,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'db' } },
        serviceName: 'db',
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres' }] } },
        updateStrategy: { rollingUpdate: { partition: 1, maxUnavailable: 2 }, type: 'RollingUpdate' },
        volumeClaimTemplates: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
            status: { phase: 'Pending' },
          },
        ],
      },
      status: {
        availableReplicas: 3,
        collisionCount: 0,
        currentReplicas: 3,
        currentRevision: 'db-6c7d8f9b5',
        observedGeneration: 2,
        readyReplicas: 3,
        replicas: 3,
        updateRevision: 'db-6c7d8f9b5',
        updatedReplicas: 3,
      },
    };
    expect(findUnknownFields(StatefulSet, sts)).toEqual([]);
    expect(StatefulSet.parse(sts)).toEqual(sts);
  });

  it('keeps every DaemonSet and ReplicaSet status field', () => {
    const ds = {
      metadata: { name: 'agent' },
      spec: {
        minReadySeconds: 0,
        revisionHistoryLimit: 10,
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } },
        updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
      },
      status: {
        currentNumberScheduled: 2,
        desiredNumberScheduled: 2,
        numberAvailable: 2,
        numberMisscheduled: 0,
        numberReady: 2,
        numberUnavailable: 0,
        observedGeneration: 1,
        updatedNumberScheduled: 2,
        collisionCount: 0,
        conditions: [],
      },
    };
    expect(findUnknownFields(DaemonSet, ds)).toEqual([]);
    const rsStatus = { availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 3, readyReplicas: 1, replicas: 1, terminatingReplicas: 0 };
    expect(findUnknownFields(ReplicaSet, { metadata: {}, spec: { replicas: 1 }, status: rsStatus })).toEqual([]);
  });
});
