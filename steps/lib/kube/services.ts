import type { V1Service } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { PATCH_CONTENT_TYPES, type PatchBody, type PatchType } from './patch.js';

export function getService(
  client: KubeClient,
  name: string,
  namespace = client.namespace,
): Promise<V1Service> {
  return client.call({ verb: 'get', resource: 'services', group: '', name, namespace }, (o) =>
    client.core.readNamespacedService({ name, namespace }, o),
  );
}

export function patchService<T extends PatchType>(
  client: KubeClient,
  name: string,
  type: T,
  patch: PatchBody<T>,
  namespace = client.namespace,
): Promise<V1Service> {
  return client.call(
    { verb: 'patch', resource: 'services', group: '', name, namespace },
    (o) => client.core.patchNamespacedService({ name, namespace, body: patch }, o),
    PATCH_CONTENT_TYPES[type],
  );
}
