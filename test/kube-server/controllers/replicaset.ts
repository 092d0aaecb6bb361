import type { Api } from '../api.js';
import type { EventRecorder } from '../events.js';
import { ApiError } from '../http/status.js';
import { clone } from '../json.js';
import { controllerOf, ownerRef, type Pod, type ReplicaSet } from '../model.js';
import { resourceByKind } from '../resources.js';

const REPLICASETS = resourceByKind('ReplicaSet');
const PODS = resourceByKind('Pod');
const SOURCE = { component: 'replicaset-controller' };

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready for at least minReadySeconds, as availability is defined for workloads. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  if (minReadySeconds <= 0) return true;
  return now.getTime() - Date.parse(ready.lastTransitionTime ?? now.toISOString()) >= minReadySeconds * 1000;
}

/** Pods least worth keeping first: unscheduled, then pending, then not ready, then the newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) =>
    !p.spec.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3;
  return (
    rank(a) - rank(b) ||
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')
  );
}

/** The ReplicaSet controller: keeps spec.replicas pods from the template, and reports how many are ready and available. */
export class ReplicaSetController {
  constructor(
    private readonly api: Api,
    private readonly events: EventRecorder,
  ) {}

  syncAll(): void {
    for (const rs of this.api.store.list(REPLICASETS) as ReplicaSet[]) this.sync(rs);
  }

  private sync(rs: ReplicaSet): void {
    const namespace = rs.metadata.namespace as string;
    let pods = (this.api.store.list(PODS, namespace) as Pod[]).filter(
      (p) =>
        controllerOf(p)?.uid === rs.metadata.uid &&
        p.status?.phase !== 'Failed' &&
        p.status?.phase !== 'Succeeded',
    );
    const desired = rs.spec.replicas ?? 1;
    let failure: string | undefined;
    for (let i = pods.length; i < desired && !failure; i++) {
      const pod: Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: `${rs.metadata.name}-`,
          namespace,
          labels: clone(rs.spec.template.metadata?.labels ?? {}),
          annotations: clone(rs.spec.template.metadata?.annotations ?? {}),
          ownerReferences: [ownerRef(rs)],
        },
        spec: clone(rs.spec.template.spec),
      };
      try {
        const created = this.api.create(PODS, namespace, pod) as Pod;
        pods.push(created);
        this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, SOURCE);
      } catch (err) {
        failure = err instanceof ApiError ? err.status.message : String(err);
        this.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${failure}`, SOURCE);
      }
    }
    if (pods.length > desired) {
      const doomed = [...pods].sort(deletionOrder).slice(0, pods.length - desired);
      for (const pod of doomed) {
        this.api.delete(PODS, namespace, pod.metadata.name as string);
        this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, SOURCE);
      }
      pods = pods.filter((p) => !doomed.includes(p));
    }
    const now = this.api.store.now();
    const status: NonNullable<ReplicaSet['status']> & { conditions?: unknown[] } = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, rs.spec.minReadySeconds ?? 0, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    if (failure) {
      status.conditions = [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: failure,
          lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      ];
    }
    const current = this.api.store.get(REPLICASETS, namespace, rs.metadata.name as string);
    if (current) this.api.writeStatus(REPLICASETS, { ...rs, status });
  }
}
