import type { Api } from './api.js';
import type { KubeEvent, KubeObject, ObjectReference } from './model.js';
import { resourceByKind } from './resources.js';
import { timestamp } from './store.js';

const EVENTS = resourceByKind('Event');

export interface EventSource {
  component: string;
  host?: string;
}

/**
 * Records core/v1 Events the way client-go's recorder does: named `<object>.<hex time>`, and a repeat of the
 * same event (same object, reason, message, source) bumps `count` and `lastTimestamp` instead of adding one.
 */
export class EventRecorder {
  private readonly seen = new Map<string, string>();

  constructor(private readonly api: Api) {}

  record(
    object: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    source: EventSource,
    fieldPath?: string,
  ): void {
    const involved: ObjectReference = {
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
      apiVersion: object.apiVersion,
      resourceVersion: object.metadata.resourceVersion,
    };
    if (fieldPath) involved.fieldPath = fieldPath;
    const namespace = object.metadata.namespace ?? 'default';
    const now = timestamp(this.api.store.now());
    const key = [involved.uid, fieldPath, type, reason, message, source.component].join('\u0000');
    const existingName = this.seen.get(key);
    const existing = existingName
      ? (this.api.store.get(EVENTS, namespace, existingName) as KubeEvent | undefined)
      : undefined;
    if (existing) {
      existing.count += 1;
      existing.lastTimestamp = now;
      this.api.store.update(EVENTS, existing);
      return;
    }
    const name = `${object.metadata.name}.${(BigInt(this.api.store.now().getTime()) * 1_000_000n + BigInt(this.seen.size)).toString(16)}`;
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
    try {
      this.api.create(EVENTS, namespace, event);
      this.seen.set(key, name);
    } catch {
      // The namespace may be going away; events are best effort, as in Kubernetes.
    }
  }
}
