import { randomUUID } from 'node:crypto';
import { clone, deepEqual } from './json.js';
import { conflict, expired, notFound, alreadyExists } from './http/status.js';
import type { KubeObject } from './model.js';
import type { ResourceType } from './resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED event: a watch with a selector turns it into ADDED or DELETED when it crosses the selector. */
  previous?: KubeObject;
  resourceVersion: number;
}

export const timestamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Objects by resource, namespace and name, with one resourceVersion counter for everything (etcd's
 * revision), metadata the server owns (uid, creationTimestamp, generation), optimistic concurrency, and
 * a bounded history so watches can resume from a resourceVersion.
 */
export class Store {
  private revision = 1000;
  private readonly data = new Map<ResourceType, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(
    private readonly historyLimit = 5000,
    readonly now: () => Date = () => new Date(),
  ) {}

  resourceVersion(): string {
    return String(this.revision);
  }

  private bucket(r: ResourceType): Map<string, KubeObject> {
    let bucket = this.data.get(r);
    if (!bucket) this.data.set(r, (bucket = new Map()));
    return bucket;
  }

  private static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(r).get(Store.key(namespace, name));
    return found && clone(found);
  }

  /** Objects of a resource, in one namespace or all, ordered by namespace and name like etcd keys. */
  list(r: ResourceType, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [key, object] of this.bucket(r)) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) out.push(clone(object));
    }
    return out.sort((a, b) =>
      Store.key(a.metadata.namespace, a.metadata.name ?? '').localeCompare(
        Store.key(b.metadata.namespace, b.metadata.name ?? ''),
      ),
    );
  }

  create(r: ResourceType, object: KubeObject): KubeObject {
    const name = object.metadata.name ?? '';
    const key = Store.key(object.metadata.namespace, name);
    const bucket = this.bucket(r);
    if (bucket.has(key)) throw alreadyExists(r, name);
    const stored = clone(object);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = timestamp(this.now());
    stored.metadata.resourceVersion = String(++this.revision);
    if (r.tracksGeneration) stored.metadata.generation = 1;
    else delete stored.metadata.generation;
    bucket.set(key, stored);
    this.record('ADDED', r, stored);
    return clone(stored);
  }

  /**
   * Replaces an object. With `expectedVersion`, a stale one is a 409 Conflict. An update that changes
   * nothing keeps the resourceVersion and emits no event, as the real server does.
   */
  update(r: ResourceType, object: KubeObject, expectedVersion?: string): KubeObject {
    const name = object.metadata.name ?? '';
    const key = Store.key(object.metadata.namespace, name);
    const bucket = this.bucket(r);
    const current = bucket.get(key);
    if (!current) throw notFound(r, name);
    if (
      expectedVersion !== undefined &&
      expectedVersion !== '' &&
      expectedVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(r, name);
    }
    const next = clone(object);
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    next.metadata.generation = current.metadata.generation;
    if (r.tracksGeneration && !deepEqual(specOf(current), specOf(next)))
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (!r.tracksGeneration) delete next.metadata.generation;
    if (deepEqual(current, next)) return clone(current);
    next.metadata.resourceVersion = String(++this.revision);
    bucket.set(key, next);
    this.record('MODIFIED', r, next, current);
    return clone(next);
  }

  delete(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = Store.key(namespace, name);
    const bucket = this.bucket(r);
    const current = bucket.get(key);
    if (!current) throw notFound(r, name);
    bucket.delete(key);
    // The DELETED event carries the revision of the deletion, as etcd reports it.
    current.metadata.resourceVersion = String(++this.revision);
    this.record('DELETED', r, current);
    return clone(current);
  }

  /** Events after `resourceVersion`, or a 410 when the history no longer reaches back that far. */
  eventsSince(r: ResourceType, resourceVersion: number): StoreEvent[] {
    const oldest = this.history[0]?.resourceVersion ?? this.revision + 1;
    if (resourceVersion < oldest - 1 && resourceVersion < this.revision) {
      throw expired(`too old resource version: ${resourceVersion} (${oldest - 1})`);
    }
    return this.history.filter((e) => e.resource === r && e.resourceVersion > resourceVersion).map(copyEvent);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(
    type: WatchEventType,
    resource: ResourceType,
    object: KubeObject,
    previous?: KubeObject,
  ): void {
    const event: StoreEvent = {
      type,
      resource,
      object: clone(object),
      resourceVersion: Number(object.metadata.resourceVersion),
    };
    if (previous) event.previous = previous;
    this.history.push(event);
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
    for (const listener of [...this.listeners]) listener(copyEvent(event));
  }
}

/** A copy a consumer may change; the resource type stays shared, as consumers compare it by identity. */
function copyEvent(event: StoreEvent): StoreEvent {
  const copy: StoreEvent = { ...event, object: clone(event.object) };
  if (event.previous) copy.previous = clone(event.previous);
  return copy;
}

/** What counts as spec for metadata.generation: everything but metadata, status and type information. */
function specOf(object: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}
