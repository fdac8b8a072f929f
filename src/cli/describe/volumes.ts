// The Volumes block of pod and pod-template descriptions, one entry per
// volume with kubectl's wording for its source.
import type { Volume } from '../../api/core/v1.js';
import { quantityString } from '../../printers/cells.js';
import { tryParseQuantity } from '../../api/core/quantities.js';
import { goBool } from './multiline.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from './writer.js';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function describeVolumes(volumes: Volume[] | undefined, w: PrefixWriter, space: string): void {
  if (!volumes || volumes.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(LEVEL_1, `${space ? ' ' : ''}${v.name}:\n`);
    describeSource(v, w);
  }
}

function describeSource(v: Volume, w: PrefixWriter): void {
  if (v.hostPath) {
    w.write(
      LEVEL_2,
      `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type ?? '<none>'}\n`,
    );
  } else if (v.emptyDir) {
    const limit = v.emptyDir.sizeLimit;
    const q = limit === undefined ? undefined : tryParseQuantity(limit);
    const sizeLimit = q && q.sign() > 0 ? quantityString(limit) : '<unset>';
    w.write(
      LEVEL_2,
      `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${sizeLimit}\n`,
    );
  } else if (v.secret) {
    w.write(
      LEVEL_2,
      `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName ?? ''}\n    Optional:\t${goBool(v.secret.optional)}\n`,
    );
  } else if (v.configMap) {
    w.write(
      LEVEL_2,
      `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name ?? ''}\n    Optional:\t${goBool(v.configMap.optional)}\n`,
    );
  } else if (v.nfs) {
    w.write(
      LEVEL_2,
      `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${v.nfs.server}\n    Path:\t${v.nfs.path}\n    ReadOnly:\t${goBool(v.nfs.readOnly)}\n`,
    );
  } else if (v.persistentVolumeClaim) {
    w.write(
      LEVEL_2,
      `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${v.persistentVolumeClaim.claimName}\n    ReadOnly:\t${goBool(v.persistentVolumeClaim.readOnly)}\n`,
    );
  } else if (v.ephemeral) {
    describeEphemeral(v, w);
  } else if (v.downwardAPI) {
    w.write(LEVEL_2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) w.write(LEVEL_3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
      if (item.resourceFieldRef) w.write(LEVEL_3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
    }
  } else if (v.projected) {
    w.write(LEVEL_2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
    for (const s of v.projected.sources ?? []) {
      if (s.secret) w.write(LEVEL_2, `SecretName:\t${s.secret.name ?? ''}\n    Optional:\t${goBool(s.secret.optional)}\n`);
      else if (s.downwardAPI) w.write(LEVEL_2, 'DownwardAPI:\ttrue\n');
      else if (s.configMap) w.write(LEVEL_2, `ConfigMapName:\t${s.configMap.name ?? ''}\n    Optional:\t${goBool(s.configMap.optional)}\n`);
      else if (s.serviceAccountToken) w.write(LEVEL_2, `TokenExpirationSeconds:\t${s.serviceAccountToken.expirationSeconds ?? 0}\n`);
    }
  } else if (v.csi) {
    w.write(
      LEVEL_2,
      `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${v.csi.driver}\n    FSType:\t${v.csi.fsType ?? ''}\n    ReadOnly:\t${goBool(v.csi.readOnly)}\n`,
    );
    const attrs = v.csi.volumeAttributes ?? {};
    const keys = Object.keys(attrs).sort(byCodeUnit);
    w.write(LEVEL_2, 'VolumeAttributes:\t');
    if (keys.length === 0) w.writeLine('<none>');
    keys.forEach((k, i) => {
      if (i !== 0) w.write(LEVEL_2, '\t');
      const line = `${k}=${attrs[k]}`;
      w.write(LEVEL_2, line.length > 140 ? `${line.slice(0, 140)}...\n` : `${line}\n`);
    });
  } else if (v.image) {
    w.write(LEVEL_2, `Type:\tImage (a container image or OCI artifact)\n    Reference:\t${v.image.reference ?? ''}\n    PullPolicy:\t${v.image.pullPolicy ?? ''}\n`);
  } else {
    w.write(LEVEL_1, '<unknown>\n');
  }
}

/** printEphemeralVolumeSource: the claim template printed two levels in. */
function describeEphemeral(v: Volume, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n');
  const t = v.ephemeral?.volumeClaimTemplate;
  if (!t) return;
  const spec = t.spec;
  w.write(LEVEL_2, `StorageClass:\t${spec.storageClassName ?? ''}\n`);
  w.write(LEVEL_2, `Volume:\t${spec.volumeName ?? ''}\n`);
  const labels = Object.keys(t.metadata?.labels ?? {}).sort(byCodeUnit);
  w.write(LEVEL_2, 'Labels:\t');
  if (labels.length === 0) w.writeLine('<none>');
  labels.forEach((k, i) => w.write(i === 0 ? LEVEL_0 : LEVEL_2, `${i === 0 ? '' : '\t'}${k}=${t.metadata!.labels![k]}\n`));
  const annotations = Object.keys(t.metadata?.annotations ?? {}).sort(byCodeUnit);
  w.write(LEVEL_2, 'Annotations:\t');
  if (annotations.length === 0) w.writeLine('<none>');
  annotations.forEach((k, i) => w.write(i === 0 ? LEVEL_0 : LEVEL_2, `${i === 0 ? '' : '\t'}${k}: ${t.metadata!.annotations![k]}\n`));
  w.write(LEVEL_2, 'Capacity:\t\n');
  w.write(LEVEL_2, 'Access Modes:\t\n');
  if (spec.volumeMode) w.write(LEVEL_2, `VolumeMode:\t${spec.volumeMode}\n`);
}
