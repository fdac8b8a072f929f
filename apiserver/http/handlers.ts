// The resource verbs over HTTP: maps a request on a resource path to the
// generic store (create, get, list, watch, update, patch, delete,
// deletecollection) and its subresources (status, scale, binding, finalize),
// and renders the answer in the form the client asked for.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../../src/api/meta.js';
import { apiVersionOf, type ResourceInfo } from '../../src/api/resource.js';
import { errors, StatusError, type Status } from '../../src/api/status.js';
import { decodeObject } from '../../src/api/decode.js';
import { validateNamespaceFinalizeUpdate, validatePodBinding } from '../../src/api/core/validation.js';
import type { Binding, Namespace } from '../../src/api/core/v1.js';
import { toStatusCauses } from '../../src/api/validation/field.js';
import { applyMergePatch } from '../../src/machinery/patch/merge.js';
import { applyJsonPatch } from '../../src/machinery/patch/json.js';
import { applyStrategicMergePatch } from '../../src/machinery/patch/strategic.js';
import { labelSelectorToString } from '../../src/machinery/labels.js';
import { toTable } from '../../src/printers/table.js';
import { decodeBody, isPlainObject, mediaType, PATCH_CONTENT_TYPES, type PatchType } from './body.js';
import { negotiate, type ResponseForm } from './negotiate.js';
import { boolParam, dryRunParam, fieldValidationParam, includeObjectParam, intParam, q1, type FieldValidation, type Query } from './query.js';
import { serveWatch } from './watch.js';
import type { DeleteOptions, ListResult, ResourceStore } from '../registry/store.js';
import { evictPod } from '../registry/eviction.js';
import { findResource } from '../../src/api/resources.js';
import type { ApiMetrics } from '../metrics.js';

export interface HandlerOptions {
  /** how often a watch with allowWatchBookmarks gets a BOOKMARK */
  bookmarkIntervalMs: number;
  /** the server's own limit for watches without timeoutSeconds */
  minRequestTimeoutSeconds: number;
  metrics: ApiMetrics;
}

function warningHeader(msgs: string[]): string[] {
  return msgs.map((m) => `299 - ${JSON.stringify(m)}`);
}

export class ResourceHandlers {
  /** open watches, ended together when the server stops */
  private readonly openWatches = new Set<() => void>();

  constructor(
    private readonly stores: Map<ResourceInfo, ResourceStore>,
    private readonly opts: HandlerOptions,
  ) {}

  /** ends every open watch stream (clients see the stream end and re-watch elsewhere) */
  endAllWatches(): void {
    for (const finish of [...this.openWatches]) finish();
  }

  private store(info: ResourceInfo): ResourceStore {
    const s = this.stores.get(info);
    if (!s) throw errors.pathNotFound();
    return s;
  }

  /** decode the request body into an object of this resource (type, apiVersion and kind checked, unknown fields handled) */
  private decodeResourceBody(
    req: FastifyRequest,
    info: ResourceInfo,
    fieldValidation: FieldValidation,
    expect?: { apiVersion: string; kind: string },
  ): { object: KubeObject; warnings: string[] } {
    const raw = this.rawBody(req);
    const type = mediaType(req.headers['content-type']);
    if (type !== 'application/json' && type !== 'application/yaml' && type !== '') {
      throw errors.unsupportedMediaType(type);
    }
    const value = decodeBody(raw, type || 'application/json');
    return this.decodeValue(value, info, fieldValidation, expect);
  }

  private decodeValue(
    value: unknown,
    info: ResourceInfo,
    fieldValidation: FieldValidation,
    expect?: { apiVersion: string; kind: string },
  ): { object: KubeObject; warnings: string[] } {
    if (!isPlainObject(value)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
    const want = expect ?? { apiVersion: apiVersionOf(info), kind: info.kind };
    const kind = value.kind;
    const apiVersion = value.apiVersion;
    if (typeof kind !== 'string' || kind === '') {
      throw errors.badRequest(`Object 'Kind' is missing in '${JSON.stringify(value).slice(0, 200)}'`);
    }
    if (typeof apiVersion !== 'string' || apiVersion === '') {
      throw errors.badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(value).slice(0, 200)}'`);
    }
    if (apiVersion !== want.apiVersion) {
      throw errors.badRequest(
        `the API version in the data (${apiVersion}) does not match the expected API version (${want.apiVersion})`,
      );
    }
    if (kind !== want.kind) {
      throw errors.badRequest(`${kind} in version "${apiVersion}" cannot be handled as a ${want.kind}: the kind in the data (${kind}) does not match the kind expected at this path (${want.kind})`);
    }
    if (expect) return { object: value as KubeObject, warnings: [] };
    const decoded = decodeObject(info, value, { fieldValidation });
    return { object: decoded.object, warnings: decoded.warnings };
  }

  private rawBody(req: FastifyRequest): string {
    const b = req.body;
    if (typeof b === 'string') return b;
    if (Buffer.isBuffer(b)) return b.toString('utf8');
    return '';
  }

  private send(
    reply: FastifyReply,
    req: FastifyRequest,
    info: ResourceInfo,
    code: number,
    body: KubeObject | Status,
    warnings: string[] = [],
  ): FastifyReply {
    if (warnings.length) reply.header('Warning', warningHeader(warnings));
    const form = negotiate(req.headers.accept);
    if (form === 'table' && body.kind !== 'Status') {
      const q = req.query as Query;
      const table = toTable(info.group, info.plural, [body as KubeObject], {
        includeObject: includeObjectParam(q),
        resourceVersion: (body as KubeObject).metadata.resourceVersion,
      });
      return reply.code(code).type('application/json').send(JSON.stringify(table));
    }
    if (form === 'metadata' && body.kind !== 'Status') {
      const partial = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: (body as KubeObject).metadata };
      return reply.code(code).type('application/json').send(JSON.stringify(partial));
    }
    return this.sendPlain(reply, form, code, body);
  }

  private sendPlain(reply: FastifyReply, form: ResponseForm, code: number, body: unknown): FastifyReply {
    if (form === 'yaml') return reply.code(code).type('application/yaml').send(toYaml(body));
    return reply.code(code).type('application/json').send(JSON.stringify(body));
  }

  // ---- collection ----

  async collection(
    req: FastifyRequest,
    reply: FastifyReply,
    info: ResourceInfo,
    namespace: string | undefined,
  ): Promise<FastifyReply | void> {
    const q = req.query as Query;
    const store = this.store(info);
    switch (req.method) {
      case 'GET':
        if (boolParam(q, 'watch')) return serveWatch(req, reply, info, store, namespace, { ...this.opts, open: this.openWatches });
        return this.list(req, reply, info, namespace);
      case 'POST': {
        if (info.namespaced && namespace === undefined) throw errors.methodNotAllowed('POST');
        const fv = fieldValidationParam(q);
        const { object, warnings } = this.decodeResourceBody(req, info, fv);
        const created = await store.create(namespace, object, { dryRun: dryRunParam(q) });
        return this.send(reply, req, info, 201, created, warnings);
      }
      case 'DELETE': {
        if (!info.verbs.includes('deletecollection')) throw errors.methodNotAllowed('DELETE');
        const opts = this.deleteOptions(req);
        const deleted = await store.deleteCollection(
          namespace,
          { labelSelector: q1(q, 'labelSelector'), fieldSelector: q1(q, 'fieldSelector') },
          opts,
        );
        const list = { apiVersion: apiVersionOf(info), kind: info.listKind, metadata: {}, items: deleted };
        return this.sendPlain(reply, negotiateSafe(req), 200, list);
      }
      default:
        throw errors.methodNotAllowed(req.method);
    }
  }

  private async list(req: FastifyRequest, reply: FastifyReply, info: ResourceInfo, namespace: string | undefined) {
    const q = req.query as Query;
    const store = this.store(info);
    const form = negotiate(req.headers.accept);
    const res: ListResult = await store.list(namespace, {
      labelSelector: q1(q, 'labelSelector'),
      fieldSelector: q1(q, 'fieldSelector'),
      limit: intParam(q, 'limit'),
      continue: q1(q, 'continue'),
      resourceVersion: q1(q, 'resourceVersion'),
      resourceVersionMatch: q1(q, 'resourceVersionMatch'),
    });
    const listMeta: Record<string, unknown> = { resourceVersion: res.resourceVersion };
    if (res.continue) listMeta.continue = res.continue;
    if (res.remainingItemCount !== undefined) listMeta.remainingItemCount = res.remainingItemCount;
    if (form === 'table') {
      const table = toTable(info.group, info.plural, res.items, {
        includeObject: includeObjectParam(q),
        resourceVersion: res.resourceVersion,
        continue: res.continue,
        remainingItemCount: res.remainingItemCount,
      });
      return reply.code(200).type('application/json').send(JSON.stringify(table));
    }
    if (form === 'metadata') {
      const list = {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: listMeta,
        items: res.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })),
      };
      return reply.code(200).type('application/json').send(JSON.stringify(list));
    }
    if (form === 'json' && res.itemsJson) {
      // Items served from the watch cache are already serialized: join them.
      const head = `{"kind":${JSON.stringify(info.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(info))},"metadata":${JSON.stringify(listMeta)},"items":[`;
      return reply.code(200).type('application/json').send(head + res.itemsJson.join(',') + ']}');
    }
    const list = { kind: info.listKind, apiVersion: apiVersionOf(info), metadata: listMeta, items: res.items };
    return this.sendPlain(reply, form, 200, list);
  }

  // ---- item ----

  async item(
    req: FastifyRequest,
    reply: FastifyReply,
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<FastifyReply | void> {
    const q = req.query as Query;
    const store = this.store(info);
    if (info.namespaced && namespace === undefined) throw errors.pathNotFound();
    switch (req.method) {
      case 'GET':
        return this.send(reply, req, info, 200, await store.get(namespace, name));
      case 'PUT': {
        const fv = fieldValidationParam(q);
        const { object, warnings } = this.decodeResourceBody(req, info, fv);
        const updated = await store.update(namespace, name, object, { dryRun: dryRunParam(q) });
        return this.send(reply, req, info, 200, updated, warnings);
      }
      case 'PATCH':
        return this.patch(req, reply, info, namespace, name);
      case 'DELETE': {
        const opts = this.deleteOptions(req);
        const res = await store.delete(namespace, name, opts);
        // As Kubernetes: an object that stays (graceful or finalizers) is a
        // 200, except when the client asked for orphanDependents=false.
        if (!res.deleted) return this.send(reply, req, info, opts.orphanDependents === false ? 202 : 200, res.object);
        if (info.group === '' && info.plural === 'pods') return this.send(reply, req, info, 200, res.object);
        const status: Status = {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: info.group, kind: info.plural, uid: res.object.metadata.uid },
          code: 200,
        };
        return this.send(reply, req, info, 200, status);
      }
      default:
        throw errors.methodNotAllowed(req.method);
    }
  }

  private patchType(req: FastifyRequest): PatchType {
    const type = mediaType(req.headers['content-type']);
    const pt = PATCH_CONTENT_TYPES[type];
    if (!pt) throw errors.unsupportedMediaType(type);
    return pt;
  }

  /** apply a patch document of the given type to a plain object */
  private applyPatch(current: Record<string, unknown>, patch: unknown, type: PatchType): Record<string, unknown> {
    try {
      switch (type) {
        case 'json':
          if (!Array.isArray(patch)) throw errors.badRequest('json patch must be a JSON array of operations');
          return applyJsonPatch(current, patch) as Record<string, unknown>;
        case 'merge':
          if (!isPlainObject(patch)) throw errors.badRequest('merge patch must be a JSON object');
          return applyMergePatch(current, patch) as Record<string, unknown>;
        case 'strategic':
        case 'apply':
          if (!isPlainObject(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
          return applyStrategicMergePatch(current, patch) as Record<string, unknown>;
      }
    } catch (err) {
      if (err instanceof StatusError) throw err;
      throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message}`);
    }
  }

  private async patch(
    req: FastifyRequest,
    reply: FastifyReply,
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource?: 'status',
  ) {
    const q = req.query as Query;
    const store = this.store(info);
    const type = this.patchType(req);
    const patch = decodeBody(this.rawBody(req), mediaType(req.headers['content-type']));
    const fv = fieldValidationParam(q);
    const dryRun = dryRunParam(q);
    let warnings: string[] = [];
    const pinned = isPlainObject(patch) && isPlainObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string'
      ? patch.metadata.resourceVersion
      : undefined;
    const tryUpdate = (current: KubeObject): KubeObject => {
      const patched = this.applyPatch(current as unknown as Record<string, unknown>, patch, type);
      const decoded = this.decodeValue(patched, info, fv);
      warnings = decoded.warnings;
      if (!pinned) delete decoded.object.metadata.resourceVersion;
      return decoded.object;
    };
    if (type === 'apply') {
      try {
        const updated = await store.guaranteedUpdate(namespace, name, tryUpdate, { dryRun, subresource, pinnedRV: pinned });
        return this.send(reply, req, info, 200, updated, warnings);
      } catch (err) {
        if (!(err instanceof StatusError) || err.code !== 404 || subresource) throw err;
        const { object, warnings: w } = this.decodeValue(patch, info, fv);
        object.metadata.name ??= name;
        const created = await store.create(namespace, object, { dryRun });
        return this.send(reply, req, info, 201, created, w);
      }
    }
    const updated = await store.guaranteedUpdate(namespace, name, tryUpdate, { dryRun, subresource, pinnedRV: pinned });
    return this.send(reply, req, info, 200, updated, warnings);
  }

  private deleteOptions(req: FastifyRequest): DeleteOptions & { orphanDependents?: boolean } {
    const q = req.query as Query;
    const opts: DeleteOptions & { orphanDependents?: boolean } = { dryRun: dryRunParam(q) };
    const raw = this.rawBody(req);
    if (raw.trim() !== '') {
      const body = decodeBody(raw, mediaType(req.headers['content-type']) || 'application/json');
      if (!isPlainObject(body)) throw errors.badRequest('DeleteOptions must be a JSON object');
      if (typeof body.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = body.gracePeriodSeconds;
      if (typeof body.propagationPolicy === 'string') opts.propagationPolicy = body.propagationPolicy as DeleteOptions['propagationPolicy'];
      if (typeof body.orphanDependents === 'boolean') opts.orphanDependents = body.orphanDependents;
      if (body.orphanDependents === true && !opts.propagationPolicy) opts.propagationPolicy = 'Orphan';
      if (isPlainObject(body.preconditions)) opts.preconditions = body.preconditions as DeleteOptions['preconditions'];
      if (Array.isArray(body.dryRun) && body.dryRun.length > 0) opts.dryRun = true;
    }
    const grace = intParam(q, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const pp = q1(q, 'propagationPolicy');
    if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
    if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
      throw errors.invalid('DeleteOptions', '', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
        },
      ]);
    }
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
    return opts;
  }

  // ---- subresources ----

  async subresource(
    req: FastifyRequest,
    reply: FastifyReply,
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    sub: string,
  ): Promise<FastifyReply | void> {
    const q = req.query as Query;
    const store = this.store(info);
    if (sub === 'status' && info.subresources.status) {
      switch (req.method) {
        case 'GET':
          return this.send(reply, req, info, 200, await store.get(namespace, name));
        case 'PUT': {
          const { object, warnings } = this.decodeResourceBody(req, info, fieldValidationParam(q));
          const updated = await store.update(namespace, name, object, { subresource: 'status', dryRun: dryRunParam(q) });
          return this.send(reply, req, info, 200, updated, warnings);
        }
        case 'PATCH':
          return this.patch(req, reply, info, namespace, name, 'status');
        default:
          throw errors.methodNotAllowed(req.method);
      }
    }
    if (sub === 'scale' && info.subresources.scale) return this.scale(req, reply, info, namespace, name);
    if (sub === 'binding' && info.subresources.binding) {
      if (req.method !== 'POST') throw errors.methodNotAllowed(req.method);
      return this.binding(req, reply, info, namespace, name);
    }
    if (sub === 'eviction' && info.group === '' && info.plural === 'pods') {
      if (req.method !== 'POST') throw errors.methodNotAllowed(req.method);
      return this.eviction(req, reply, namespace ?? '', name);
    }
    if (sub === 'finalize' && info.group === '' && info.plural === 'namespaces') {
      if (req.method !== 'PUT') throw errors.methodNotAllowed(req.method);
      const { object } = this.decodeResourceBody(req, info, 'Ignore');
      const finalizers = ((object.spec as Record<string, unknown> | undefined)?.finalizers as string[] | undefined) ?? [];
      const updated = await store.guaranteedUpdate(
        namespace,
        name,
        (cur) => {
          const old = structuredClone(cur);
          cur.spec = { ...(cur.spec as Record<string, unknown>), finalizers };
          if (finalizers.length === 0) delete (cur.spec as Record<string, unknown>).finalizers;
          const errs = validateNamespaceFinalizeUpdate(cur as unknown as Namespace, old as unknown as Namespace);
          if (errs.length > 0) throw errors.invalid(info.kind, info.group, name, toStatusCauses(errs));
          // only a resourceVersion the client sent is a precondition: a write that raced this one is retried
          delete cur.metadata.resourceVersion;
          return cur;
        },
        { raw: true, pinnedRV: object.metadata.resourceVersion || undefined },
      );
      return this.send(reply, req, info, 200, updated);
    }
    throw errors.pathNotFound();
  }

  private toScale(info: ResourceInfo, obj: KubeObject): KubeObject {
    const scale = info.subresources.scale!;
    const get = (path: string): unknown =>
      path.split('.').reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), obj);
    const selector = get(scale.labelSelectorPath);
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: Number(get(scale.specReplicasPath) ?? 0) },
      status: {
        replicas: Number(get(scale.statusReplicasPath) ?? 0),
        selector: isPlainObject(selector) ? labelSelectorToString(selector) : '',
      },
    };
  }

  private async scale(req: FastifyRequest, reply: FastifyReply, info: ResourceInfo, namespace: string | undefined, name: string) {
    const store = this.store(info);
    const form = negotiate(req.headers.accept);
    const scalePath = info.subresources.scale!.specReplicasPath.split('.');
    const setReplicas = (obj: KubeObject, replicas: unknown) => {
      let o: Record<string, unknown> = obj;
      for (const key of scalePath.slice(0, -1)) {
        if (!isPlainObject(o[key])) o[key] = {};
        o = o[key] as Record<string, unknown>;
      }
      o[scalePath.at(-1)!] = replicas;
    };
    const replicasOf = (scale: Record<string, unknown>): unknown => {
      const spec = scale.spec;
      if (!isPlainObject(spec) || spec.replicas === undefined) return 0;
      if (typeof spec.replicas !== 'number' || !Number.isInteger(spec.replicas)) {
        throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof spec.replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
      }
      return spec.replicas;
    };
    switch (req.method) {
      case 'GET':
        return this.sendPlain(reply, form, 200, this.toScale(info, await store.get(namespace, name)));
      case 'PUT': {
        const { object } = this.decodeValue(
          decodeBody(this.rawBody(req), mediaType(req.headers['content-type']) || 'application/json'),
          info,
          'Ignore',
          { apiVersion: 'autoscaling/v1', kind: 'Scale' },
        );
        const replicas = replicasOf(object);
        const updated = await store.guaranteedUpdate(
          namespace,
          name,
          (cur) => {
            setReplicas(cur, replicas);
            // only a resourceVersion the client sent is a precondition: a write that raced this one is retried
            delete cur.metadata.resourceVersion;
            return cur;
          },
          { pinnedRV: object.metadata?.resourceVersion || undefined },
        );
        return this.sendPlain(reply, form, 200, this.toScale(info, updated));
      }
      case 'PATCH': {
        const type = this.patchType(req);
        const patch = decodeBody(this.rawBody(req), mediaType(req.headers['content-type']));
        const pinned = isPlainObject(patch) && isPlainObject(patch.metadata) && typeof patch.metadata.resourceVersion === 'string'
          ? patch.metadata.resourceVersion
          : undefined;
        const updated = await store.guaranteedUpdate(
          namespace,
          name,
          (cur) => {
            const patched = this.applyPatch(this.toScale(info, cur) as unknown as Record<string, unknown>, patch, type);
            setReplicas(cur, replicasOf(patched));
            delete cur.metadata.resourceVersion;
            return cur;
          },
          { pinnedRV: pinned },
        );
        return this.sendPlain(reply, form, 200, this.toScale(info, updated));
      }
      default:
        throw errors.methodNotAllowed(req.method);
    }
  }

  /** pods/{name}/eviction: a policy/v1 (or v1beta1) Eviction body; 201 Success once the pod is being deleted. */
  private async eviction(req: FastifyRequest, reply: FastifyReply, namespace: string, name: string) {
    const type = mediaType(req.headers['content-type']);
    if (type !== 'application/json' && type !== 'application/yaml' && type !== '') throw errors.unsupportedMediaType(type);
    const body = decodeBody(this.rawBody(req), type || 'application/json');
    if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
    const apiVersion = body.apiVersion ?? 'policy/v1';
    const kind = body.kind ?? 'Eviction';
    if (kind !== 'Eviction' || (apiVersion !== 'policy/v1' && apiVersion !== 'policy/v1beta1')) {
      throw errors.badRequest(`${String(kind)} in version "${String(apiVersion)}" cannot be handled as a Eviction: the kind and API version in the data must be policy/v1 Eviction`);
    }
    const pdbInfo = findResource('policy', 'v1', 'poddisruptionbudgets');
    const pdbs = pdbInfo ? this.stores.get(pdbInfo) : undefined;
    const status = await evictPod(
      { pods: this.store(findResource('', 'v1', 'pods')!), ...(pdbs ? { pdbs } : {}) },
      namespace,
      name,
      body,
      { dryRun: dryRunParam(req.query as Query) },
    );
    return this.sendPlain(reply, negotiateSafe(req), status.code, status);
  }

  private async binding(req: FastifyRequest, reply: FastifyReply, info: ResourceInfo, namespace: string | undefined, name: string) {
    const store = this.store(info);
    const body = decodeBody(this.rawBody(req), mediaType(req.headers['content-type']) || 'application/json');
    if (!isPlainObject(body)) throw errors.badRequest('Binding must be a JSON object');
    const target = isPlainObject(body.target) ? body.target : {};
    const nodeName = typeof target.name === 'string' ? target.name : '';
    const bindingErrs = validatePodBinding({
      target: { kind: typeof target.kind === 'string' ? target.kind : undefined, name: nodeName },
    } as unknown as Binding);
    if (bindingErrs.length > 0) throw errors.invalid('Binding', '', name, toStatusCauses(bindingErrs));
    const meta = isPlainObject(body.metadata) ? body.metadata : {};
    if (typeof meta.name === 'string' && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await store.guaranteedUpdate(
      namespace,
      name,
      (pod) => {
        const spec = (pod.spec ?? {}) as Record<string, unknown>;
        if (pod.metadata.deletionTimestamp) {
          throw errors.conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
        }
        if (spec.nodeName) {
          throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
        }
        if (typeof meta.uid === 'string' && meta.uid !== pod.metadata.uid) {
          throw errors.conflict('pods', '', name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${pod.metadata.uid}`);
        }
        spec.nodeName = nodeName;
        pod.spec = spec;
        // A Binding has no resourceVersion precondition: a write that raced it is retried on the fresh pod.
        delete pod.metadata.resourceVersion;
        const status = (pod.status ?? {}) as Record<string, unknown>;
        const conds = (Array.isArray(status.conditions) ? status.conditions : []) as Record<string, unknown>[];
        status.conditions = [
          ...conds.filter((c) => c.type !== 'PodScheduled'),
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
        ];
        pod.status = status;
        return pod;
      },
      { raw: true },
    );
    const ok: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
    return this.sendPlain(reply, negotiateSafe(req), 201, ok);
  }
}

function negotiateSafe(req: FastifyRequest): ResponseForm {
  const f = negotiate(req.headers.accept);
  return f === 'yaml' ? 'yaml' : 'json';
}
