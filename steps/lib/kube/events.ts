import type { CoreV1Event } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

export interface InvolvedObject {
  kind: string;
  name: string;
  namespace?: string;
  /** Narrows to this incarnation of the object when a namesake existed before. */
  uid?: string;
}

const eventTime = (e: CoreV1Event): number =>
  new Date(
    e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0,
  ).getTime();

/** The events about one object (field selector on involvedObject), oldest first, as `kubectl describe` lists them. */
export async function eventsFor(client: KubeClient, object: InvolvedObject): Promise<CoreV1Event[]> {
  const namespace = object.namespace ?? client.namespace;
  const fields = [
    `involvedObject.kind=${object.kind}`,
    `involvedObject.name=${object.name}`,
    `involvedObject.namespace=${namespace}`,
  ];
  if (object.uid) fields.push(`involvedObject.uid=${object.uid}`);
  const list = await client.call({ verb: 'list', resource: 'events', group: '', namespace }, (o) =>
    client.core.listNamespacedEvent({ namespace, fieldSelector: fields.join(',') }, o),
  );
  return list.items.sort((a, b) => eventTime(a) - eventTime(b));
}
