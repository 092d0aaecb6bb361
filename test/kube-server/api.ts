import { applyDefaults, type DefaultingContext } from './defaults.js';
import { canonicalJson, clone, isObject, type Json } from './json.js';
import { applyJsonPatch, decodeJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { mergeSchemaFor } from './patch/schema.js';
import { applyStrategicMergePatch } from './patch/strategic-merge.js';
import { PatchApplyError, PatchDecodeError } from './patch/errors.js';
import {
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  success,
  unprocessable,
  unsupportedMediaType,
  type Status,
} from './http/status.js';
import type { Deployment, ImageStream, KubeObject, Pod, ServiceAccount } from './model.js';
import { randomSuffix } from './names.js';
import { apiVersionOf, fieldValue, RESOURCES, resourceByKind, type ResourceType } from './resources.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';
import { timestamp, type Store } from './store.js';
import { validate } from './validation.js';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type Subresource = 'status' | 'scale';

export interface WriteOptions {
  subresource?: Subresource;
  dryRun?: boolean;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** A virtual resource answers the verbs itself instead of being stored (image stream tags). */
export interface VirtualResource {
  get(namespace: string, name: string): KubeObject;
  list(namespace: string | undefined): KubeObject[];
  create(namespace: string, body: KubeObject, dryRun: boolean): KubeObject;
  update(namespace: string, name: string, body: KubeObject, dryRun: boolean): KubeObject;
  delete(namespace: string, name: string, dryRun: boolean): Status;
}

const NAMESPACES = resourceByKind('Namespace');
const SERVICE_ACCOUNTS = resourceByKind('ServiceAccount');
const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);

/** Filters for list and watch: namespace, label selector, field selector. */
export function objectFilter(
  r: ResourceType,
  namespace: string | undefined,
  options: ListOptions,
): (o: KubeObject) => boolean {
  try {
    const labels = options.labelSelector ? parseLabelSelector(options.labelSelector) : [];
    const fields = options.fieldSelector
      ? parseFieldSelector(options.fieldSelector, ['metadata.name', 'metadata.namespace', ...r.fieldLabels])
      : [];
    return (o) =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, (f) => fieldValue(o, f));
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

/**
 * The API's semantics, independent of HTTP: what create, update, patch and delete do to objects, with
 * defaulting, admission, validation and optimistic concurrency. The HTTP layer authorizes and calls in;
 * the controllers call in directly, as trusted clients.
 */
export class Api {
  private readonly virtual = new Map<ResourceType, VirtualResource>();

  constructor(
    readonly store: Store,
    private readonly defaulting: DefaultingContext,
  ) {}

  registerVirtual(r: ResourceType, handler: VirtualResource): void {
    this.virtual.set(r, handler);
  }

  get(r: ResourceType, namespace: string | undefined, name: string, subresource?: Subresource): KubeObject {
    const handler = this.virtual.get(r);
    if (handler) return handler.get(namespace ?? '', name);
    const object = this.store.get(r, namespace, name);
    if (!object) throw notFound(r, name);
    return subresource === 'scale' ? toScale(object) : object;
  }

  list(r: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const handler = this.virtual.get(r);
    const all = handler ? handler.list(namespace) : this.store.list(r, namespace);
    const matching = all.filter(objectFilter(r, namespace, options));
    const start = options.continue ? decodeContinue(options.continue) : '';
    const after = matching.filter((o) => itemKey(o) > start);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items = after.slice(0, limit);
    const result: ListResult = { items, resourceVersion: this.store.resourceVersion() };
    if (after.length > items.length) {
      result.continue = Buffer.from(
        JSON.stringify({ start: itemKey(items[items.length - 1] as KubeObject) }),
      ).toString('base64url');
      result.remainingItemCount = after.length - items.length;
    }
    return result;
  }

  create(
    r: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const handler = this.virtual.get(r);
    const object = this.acceptBody(r, namespace, body);
    if (handler) return handler.create(namespace ?? '', object, Boolean(options.dryRun));
    if (!object.metadata.name && object.metadata.generateName)
      object.metadata.name = object.metadata.generateName + randomSuffix();
    for (const field of [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'generation',
      'deletionTimestamp',
    ] as const)
      delete object.metadata[field];
    if (r.subresources.includes('status')) delete object.status;
    if (r.namespaced) this.requireNamespace(namespace as string);
    applyDefaults(r.kind, object, this.defaulting);
    if (r.kind === 'Pod') this.admitPod(object as Pod);
    if (r.kind === 'Pod') (object as Pod).status = { phase: 'Pending', qosClass: 'BestEffort' };
    if (r.kind === 'ImageStream') stampTagGenerations(object as ImageStream, undefined, 1);
    this.validate(r, object);
    if (options.dryRun) return object;
    return this.store.create(r, object);
  }

  update(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const handler = this.virtual.get(r);
    const object = this.acceptBody(r, namespace, body);
    if (object.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
    if (handler) return handler.update(namespace ?? '', name, object, Boolean(options.dryRun));
    const current = this.store.get(r, namespace, name);
    if (!current) throw notFound(r, name);
    const expected = object.metadata.resourceVersion;
    const next = this.nextVersion(r, current, object, options.subresource);
    if (options.dryRun) {
      if (expected && expected !== current.metadata.resourceVersion) throw conflict(r, name);
      return options.subresource === 'scale' ? toScale(next) : next;
    }
    const stored = this.store.update(r, next, expected);
    return options.subresource === 'scale' ? toScale(stored) : stored;
  }

  patch(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const current = this.get(r, namespace, name, options.subresource);
    let patched: Json;
    try {
      patched = applyPatch(r, contentType, current as unknown as Json, patch as Json);
    } catch (err) {
      if (err instanceof PatchDecodeError) throw badRequest(err.message);
      if (err instanceof PatchApplyError) throw unprocessable(err.message);
      throw err;
    }
    if (!isObject(patched) || !isObject(patched.metadata))
      throw unprocessable('the patch produced an object without metadata');
    const next = patched as unknown as KubeObject;
    // A patch that leaves metadata.name alone targets this object; one that changes it is refused.
    if (next.metadata.name !== name)
      throw badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`,
      );
    return this.update(r, namespace, name, next, options);
  }

  delete(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | Status {
    const handler = this.virtual.get(r);
    if (handler) return handler.delete(namespace ?? '', name, Boolean(options.dryRun));
    const current = this.store.get(r, namespace, name);
    if (!current) throw notFound(r, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid && uid !== current.metadata.uid) {
      throw conflict(
        r,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(
        r,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    if (!options.dryRun) {
      this.store.delete(r, namespace, name);
      if (options.propagationPolicy === 'Orphan') this.orphanDependents(current);
      if (r === NAMESPACES) this.emptyNamespace(name);
    }
    if (r.kind !== 'Pod') return success(r, name, current.metadata.uid ?? '');
    current.metadata.deletionTimestamp = timestamp(this.store.now());
    return current;
  }

  deleteCollection(
    r: ResourceType,
    namespace: string | undefined,
    list: ListOptions,
    options: DeleteOptions = {},
  ): KubeObject[] {
    const { items } = this.list(r, namespace, {
      labelSelector: list.labelSelector,
      fieldSelector: list.fieldSelector,
    });
    for (const item of items) this.delete(r, item.metadata.namespace, item.metadata.name ?? '', options);
    return items;
  }

  /** Writes a controller's view of an object's status without touching its spec. */
  writeStatus<T extends KubeObject>(r: ResourceType, object: T): T {
    const current = this.store.get(r, object.metadata.namespace, object.metadata.name ?? '');
    if (!current) throw notFound(r, object.metadata.name ?? '');
    return this.store.update(r, { ...current, status: object.status }) as T;
  }

  private acceptBody(r: ResourceType, namespace: string | undefined, body: unknown): KubeObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const object = clone(body) as unknown as KubeObject;
    object.metadata = isObject(object.metadata) ? object.metadata : {};
    const expectedVersion = apiVersionOf(r);
    if (
      object.apiVersion !== undefined &&
      object.apiVersion !== expectedVersion &&
      !(r.subresources.includes('scale') && object.kind === 'Scale')
    ) {
      throw badRequest(
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expectedVersion})`,
      );
    }
    if (object.kind !== undefined && object.kind !== r.kind && object.kind !== 'Scale') {
      throw badRequest(
        `the kind in the data (${String(object.kind)}) does not match the expected kind (${r.kind})`,
      );
    }
    if (r.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    if (object.kind !== 'Scale') {
      object.apiVersion = expectedVersion;
      object.kind = r.kind;
    }
    return object;
  }

  /** The object an update would store: what the client sent, limited to what this endpoint may change. */
  private nextVersion(
    r: ResourceType,
    current: KubeObject,
    sent: KubeObject,
    subresource: Subresource | undefined,
  ): KubeObject {
    if (subresource === 'scale') {
      const replicas = (sent.spec as { replicas?: unknown } | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw invalid({ group: 'autoscaling', kind: 'Scale' }, current.metadata.name ?? '', [
          {
            type: 'FieldValueInvalid',
            field: 'spec.replicas',
            value: replicas ?? null,
            detail: 'must be greater than or equal to 0',
          },
        ]);
      }
      if (!SCALABLE.has(r.kind)) throw badRequest(`${r.plural} cannot be scaled`);
      return { ...current, spec: { ...(current.spec as object), replicas } };
    }
    if (subresource === 'status') return { ...current, status: sent.status };
    const next = clone(sent);
    if (r.subresources.includes('status')) next.status = current.status;
    if (r.kind === 'Service') preserveClusterIP(current, next);
    applyDefaults(r.kind, next, this.defaulting);
    if (r.kind === 'ImageStream')
      stampTagGenerations(
        next as ImageStream,
        current as ImageStream,
        (current.metadata.generation ?? 0) + 1,
      );
    this.validate(r, next, current);
    return next;
  }

  private validate(r: ResourceType, object: KubeObject, old?: KubeObject): void {
    const errors = validate(r.kind, object, old);
    if (errors.length > 0)
      throw invalid({ group: r.group, kind: r.kind }, object.metadata.name ?? '', errors);
  }

  private requireNamespace(namespace: string): void {
    if (!this.store.get(NAMESPACES, undefined, namespace)) throw notFound(NAMESPACES, namespace);
  }

  /** The ServiceAccount admission plugin: every pod runs as an existing account and inherits its pull secrets. */
  private admitPod(pod: Pod): void {
    const account = pod.spec.serviceAccountName || pod.spec.serviceAccount || 'default';
    pod.spec.serviceAccountName = account;
    pod.spec.serviceAccount = account;
    const namespace = pod.metadata.namespace as string;
    const sa = this.store.get(SERVICE_ACCOUNTS, namespace, account) as ServiceAccount | undefined;
    if (!sa) {
      throw forbidden(
        resourceByKind('Pod'),
        pod.metadata.name,
        `error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`,
      );
    }
    if (!pod.spec.imagePullSecrets?.length && sa.imagePullSecrets?.length)
      pod.spec.imagePullSecrets = clone(sa.imagePullSecrets);
  }

  private orphanDependents(owner: KubeObject): void {
    for (const r of dependentKinds()) {
      for (const dependent of this.store.list(r, owner.metadata.namespace)) {
        const refs = dependent.metadata.ownerReferences ?? [];
        if (!refs.some((o) => o.uid === owner.metadata.uid)) continue;
        dependent.metadata.ownerReferences = refs.filter((o) => o.uid !== owner.metadata.uid);
        this.store.update(r, dependent);
      }
    }
  }

  private emptyNamespace(namespace: string): void {
    for (const r of namespacedKinds()) {
      for (const object of this.store.list(r, namespace))
        this.store.delete(r, namespace, object.metadata.name ?? '');
    }
  }
}

function namespacedKinds(): ResourceType[] {
  return RESOURCES.filter((r) => r.namespaced && !r.virtual);
}

function dependentKinds(): ResourceType[] {
  return ['ReplicaSet', 'Pod', 'Job'].map(resourceByKind);
}

function applyPatch(r: ResourceType, contentType: string, current: Json, patch: Json): Json {
  switch (contentType) {
    case PATCH_TYPES.json:
      return applyJsonPatch(current, decodeJsonPatch(patch));
    case PATCH_TYPES.merge:
      if (!isObject(patch)) throw new PatchDecodeError('merge patch must be a JSON object');
      return applyMergePatch(current, patch);
    case PATCH_TYPES.strategic:
      return applyStrategicMergePatch(current, patch, mergeSchemaFor(r.kind));
    default:
      throw unsupportedMediaType(Object.values(PATCH_TYPES));
  }
}

function itemKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown };
    if (typeof parsed.start === 'string') return parsed.start;
  } catch {
    // fall through to the error below
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

function toScale(object: KubeObject): KubeObject {
  const spec = object.spec as Deployment['spec'];
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: (object.status as { replicas?: number } | undefined)?.replicas ?? 0, selector },
  };
}

/** Services keep their cluster IP across updates that do not mention it. */
function preserveClusterIP(current: KubeObject, next: KubeObject): void {
  const was = current.spec as { clusterIP?: string; clusterIPs?: string[] } | undefined;
  const spec = (next.spec ??= {}) as { clusterIP?: string; clusterIPs?: string[] };
  spec.clusterIP ||= was?.clusterIP;
  spec.clusterIPs ??= was?.clusterIPs;
}

/**
 * An image stream's spec tags record the stream generation at which they last changed; the importer
 * imports a tag whose generation is newer than its status. Generation 0 asks for a re-import.
 */
function stampTagGenerations(next: ImageStream, current: ImageStream | undefined, generation: number): void {
  for (const tag of next.spec.tags ?? []) {
    const before = current?.spec.tags?.find((t) => t.name === tag.name);
    const changed =
      !before || canonicalJson({ ...before, generation: 0 }) !== canonicalJson({ ...tag, generation: 0 });
    if (changed || !tag.generation) tag.generation = generation;
  }
}
