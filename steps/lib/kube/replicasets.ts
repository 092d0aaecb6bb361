import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { labelSelectorString } from './selectors.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export function revisionOf(rs: V1ReplicaSet): number {
  const value = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(value) ? value : 0;
}

/** The ReplicaSets a Deployment controls (by owner uid, not just labels), newest revision first. */
export async function replicaSetsFor(client: KubeClient, deployment: V1Deployment): Promise<V1ReplicaSet[]> {
  const namespace = deployment.metadata?.namespace ?? client.namespace;
  const labelSelector = labelSelectorString(deployment.spec?.selector);
  const list = await client.call({ verb: 'list', resource: 'replicasets', group: 'apps', namespace }, (o) =>
    client.apps.listNamespacedReplicaSet({ namespace, labelSelector }, o),
  );
  return list.items
    .filter((rs) =>
      rs.metadata?.ownerReferences?.some((ref) => ref.controller && ref.uid === deployment.metadata?.uid),
    )
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}
