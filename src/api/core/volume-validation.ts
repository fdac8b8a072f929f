// Pod volume validation: one source per volume, each source's own rules,
// and unique names (the volumes that pass are the ones mounts may use).
import { posix } from 'node:path';
import { fieldErrors, type FieldErrors, type FieldPath } from '../validation/field.js';
import { validateDNS1123Label } from '../validation/names.js';
import { VOLUME_FIELD_PATHS, validateObjectFieldSelector, validateResourceFieldSelector } from './downward-api-validation.js';
import { PULL_POLICIES, validateFileMode, validateLocalNonReservedPath, validatePathNoBacksteps } from './field-checks.js';
import { quantityAt } from './resources-validation.js';
import type { KeyToPath, ObjectFieldSelector, ResourceFieldSelector, Volume } from './v1.js';
import { VOLUME_SOURCE_FIELDS } from './volume.js';

function validateKeyToPath(kp: KeyToPath, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  if (!kp.key) errs.push(fieldErrors.required(path.child('key'), ''));
  if (!kp.path) errs.push(fieldErrors.required(path.child('path'), ''));
  errs.push(...validateLocalNonReservedPath(kp.path, path.child('path')));
  errs.push(...validateFileMode(kp.mode, path.child('mode')));
  return errs;
}

function validateDownwardAPIFile(
  file: { path: string; fieldRef?: ObjectFieldSelector; resourceFieldRef?: ResourceFieldSelector; mode?: number },
  path: FieldPath,
): FieldErrors {
  const errs: FieldErrors = [];
  if (!file.path) errs.push(fieldErrors.required(path.child('path'), ''));
  errs.push(...validateLocalNonReservedPath(file.path, path.child('path')));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, path.child('fieldRef')));
    if (file.resourceFieldRef) {
      errs.push(fieldErrors.invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, path.child('resourceFieldRef'), true));
  } else {
    errs.push(fieldErrors.required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(file.mode, path.child('mode')));
  return errs;
}

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateProjected(v: NonNullable<Volume['projected']>, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  const seen = new Set<string>();
  const claim = (p: string, bad: unknown) => {
    if (!p) return;
    if (seen.has(p)) errs.push(fieldErrors.invalid(path, bad, 'conflicting duplicate paths'));
    seen.add(p);
  };
  errs.push(...validateFileMode(v.defaultMode, path.child('defaultMode')));
  (v.sources ?? []).forEach((src, i) => {
    const srcPath = path.child('sources').index(i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const s = src[kind];
      if (!s) continue;
      n++;
      const p = srcPath.child(kind);
      if (!s.name) errs.push(fieldErrors.required(p.child('name'), ''));
      (s.items ?? []).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, p.child('items').index(j)));
        claim(kp.path, s.name ?? '');
      });
    }
    if (src.downwardAPI) {
      n++;
      for (const file of src.downwardAPI.items ?? []) {
        errs.push(...validateDownwardAPIFile(file, srcPath.child('downwardAPI')));
        claim(file.path, file.path);
      }
    }
    if (src.serviceAccountToken) {
      n++;
      const p = srcPath.child('serviceAccountToken');
      const exp = src.serviceAccountToken.expirationSeconds ?? 0;
      if (exp < 600) errs.push(fieldErrors.invalid(p.child('expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) {
        errs.push(fieldErrors.invalid(p.child('expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      }
      if (!src.serviceAccountToken.path) errs.push(fieldErrors.required(path.child('path'), ''));
      claim(src.serviceAccountToken.path, src.serviceAccountToken.path);
    }
    if (src.clusterTrustBundle) n++;
    if (n > 1) errs.push(fieldErrors.forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateVolumeSource(v: Volume, path: FieldPath): FieldErrors {
  const errs: FieldErrors = [];
  let n = 0;
  for (const kind of VOLUME_SOURCE_FIELDS) {
    if (v[kind] === undefined) continue;
    if (n > 0) {
      errs.push(fieldErrors.forbidden(path.child(kind), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const p = path.child(kind);
    switch (kind) {
      case 'emptyDir': {
        const limit = v.emptyDir?.sizeLimit;
        if (limit !== undefined) {
          const q = quantityAt(limit, p.child('sizeLimit'), errs);
          if (q && q.sign() < 0) errs.push(fieldErrors.forbidden(p.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
        }
        break;
      }
      case 'hostPath': {
        const hp = v.hostPath!;
        if (!hp.path) errs.push(fieldErrors.required(p.child('path'), ''));
        else errs.push(...validatePathNoBacksteps(hp.path, p.child('path')));
        if (hp.type !== undefined && !HOST_PATH_TYPES.includes(hp.type)) {
          errs.push(fieldErrors.notSupported(p.child('type'), hp.type, HOST_PATH_TYPES));
        }
        break;
      }
      case 'secret': {
        const s = v.secret!;
        if (!s.secretName) errs.push(fieldErrors.required(p.child('secretName'), ''));
        errs.push(...validateFileMode(s.defaultMode, p.child('defaultMode')));
        (s.items ?? []).forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
        break;
      }
      case 'configMap': {
        const c = v.configMap!;
        if (!c.name) errs.push(fieldErrors.required(p.child('name'), ''));
        errs.push(...validateFileMode(c.defaultMode, p.child('defaultMode')));
        (c.items ?? []).forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
        break;
      }
      case 'downwardAPI': {
        const d = v.downwardAPI!;
        errs.push(...validateFileMode(d.defaultMode, p.child('defaultMode')));
        (d.items ?? []).forEach((f) => errs.push(...validateDownwardAPIFile(f, p)));
        break;
      }
      case 'projected':
        errs.push(...validateProjected(v.projected!, p));
        break;
      case 'persistentVolumeClaim':
        if (!v.persistentVolumeClaim!.claimName) errs.push(fieldErrors.required(p.child('claimName'), ''));
        break;
      case 'nfs': {
        const nfs = v.nfs!;
        if (!nfs.server) errs.push(fieldErrors.required(p.child('server'), ''));
        if (!nfs.path) errs.push(fieldErrors.required(p.child('path'), ''));
        else if (!posix.isAbsolute(nfs.path)) errs.push(fieldErrors.invalid(p.child('path'), nfs.path, 'must be an absolute path'));
        break;
      }
      case 'csi':
        if (!v.csi!.driver) errs.push(fieldErrors.required(p.child('driver'), ''));
        break;
      case 'ephemeral':
        if (!v.ephemeral!.volumeClaimTemplate) errs.push(fieldErrors.required(p.child('volumeClaimTemplate'), ''));
        break;
      case 'image': {
        const img = v.image!;
        if (!img.reference) errs.push(fieldErrors.required(p.child('reference'), ''));
        if (img.pullPolicy && !PULL_POLICIES.includes(img.pullPolicy)) {
          errs.push(fieldErrors.notSupported(p.child('pullPolicy'), img.pullPolicy, PULL_POLICIES));
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a volume type'));
  return errs;
}

/** The volumes that validated, by name: mounts may only refer to those. */
export function validateVolumes(volumes: Volume[] | undefined, path: FieldPath, errs: FieldErrors): Map<string, Volume> {
  const valid = new Map<string, Volume>();
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = path.index(i);
    const namePath = p.child('name');
    const el = validateVolumeSource(v, p);
    if (!v.name) el.push(fieldErrors.required(namePath, ''));
    else el.push(...validateDNS1123Label(v.name, namePath));
    if (names.has(v.name)) el.push(fieldErrors.duplicate(namePath, v.name));
    if (el.length === 0) {
      names.add(v.name);
      valid.set(v.name, v);
    } else {
      errs.push(...el);
    }
  });
  return valid;
}
