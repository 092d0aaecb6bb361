import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { PATCH_CONTENT_TYPES, type PatchBody, type PatchType } from './patch.js';

export function getConfigMap(
  client: KubeClient,
  name: string,
  namespace = client.namespace,
): Promise<V1ConfigMap> {
  return client.call({ verb: 'get', resource: 'configmaps', group: '', name, namespace }, (o) =>
    client.core.readNamespacedConfigMap({ name, namespace }, o),
  );
}

export function patchConfigMap<T extends PatchType>(
  client: KubeClient,
  name: string,
  type: T,
  patch: PatchBody<T>,
  namespace = client.namespace,
): Promise<V1ConfigMap> {
  return client.call(
    { verb: 'patch', resource: 'configmaps', group: '', name, namespace },
    (o) => client.core.patchNamespacedConfigMap({ name, namespace, body: patch }, o),
    PATCH_CONTENT_TYPES[type],
  );
}
