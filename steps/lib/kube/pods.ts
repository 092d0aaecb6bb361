import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

export interface PodQuery {
  labelSelector?: string;
  fieldSelector?: string;
  namespace?: string;
}

export function listPods(client: KubeClient, query: PodQuery = {}): Promise<V1Pod[]> {
  const namespace = query.namespace ?? client.namespace;
  return client
    .call({ verb: 'list', resource: 'pods', group: '', namespace }, (o) =>
      client.core.listNamespacedPod(
        { namespace, labelSelector: query.labelSelector, fieldSelector: query.fieldSelector },
        o,
      ),
    )
    .then((list) => list.items);
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Why a container is not running well: its waiting reason now, or how it last ended. */
export interface ContainerProblem {
  pod: string;
  container: string;
  init: boolean;
  /** ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError, OOMKilled, Error... */
  reason: string;
  message?: string;
  restartCount: number;
  image: string;
  /** The reason and exit code of the previous run, when the container has restarted. */
  lastTermination?: { reason?: string; exitCode: number };
}

const HEALTHY_WAITING = new Set(['ContainerCreating', 'PodInitializing']);

export function containerProblems(pod: V1Pod): ContainerProblem[] {
  const podName = pod.metadata?.name ?? '';
  const describe = (s: V1ContainerStatus, init: boolean): ContainerProblem | undefined => {
    const waiting = s.state?.waiting;
    const terminated = s.state?.terminated;
    const last = s.lastState?.terminated;
    const base = { pod: podName, container: s.name, init, restartCount: s.restartCount, image: s.image };
    const lastTermination = last ? { reason: last.reason, exitCode: last.exitCode } : undefined;
    if (waiting?.reason && !HEALTHY_WAITING.has(waiting.reason)) {
      return {
        ...base,
        reason: waiting.reason,
        message: waiting.message,
        ...(lastTermination ? { lastTermination } : {}),
      };
    }
    if (terminated && terminated.exitCode !== 0) {
      return {
        ...base,
        reason: terminated.reason ?? 'Error',
        message: terminated.message,
        lastTermination: { reason: terminated.reason, exitCode: terminated.exitCode },
      };
    }
    return undefined;
  };
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => describe(s, true)),
    ...(pod.status?.containerStatuses ?? []).map((s) => describe(s, false)),
  ].filter((p): p is ContainerProblem => p !== undefined);
}
