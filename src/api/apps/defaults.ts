// apps/v1 defaulting, as k8s.io/kubernetes/pkg/apis/apps/v1/defaults.go does it.
// Runs in place after decoding and before validation.
import { defaultPersistentVolumeClaim, defaultPodTemplateSpec } from '../core/defaults.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from './v1.js';

export function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec(spec.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = rs.spec;
  spec.replicas ??= 1;
  defaultPodTemplateSpec(spec.template);
}

export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ds.spec;
  const strategy = (spec.updateStrategy ??= {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec(spec.template);
}

export function defaultStatefulSet(sts: StatefulSet): void {
  const spec = sts.spec;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {});
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  // Only an explicit or freshly created rollingUpdate gets a partition: an
  // explicit RollingUpdate type without the block stays without it.
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    strategy.rollingUpdate.partition ??= 0;
  }
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    pvc.apiVersion ??= 'v1';
    pvc.kind ??= 'PersistentVolumeClaim';
    defaultPersistentVolumeClaim(pvc);
  }
  defaultPodTemplateSpec(spec.template);
}
