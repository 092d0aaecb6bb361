import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import {
  describePullFailure,
  describeRuntimeFailure,
  diagnosePods,
  type PullFailure,
  type RuntimeFailure,
} from '../diagnose/diagnose.js';
import { isPodReady } from '../kube/pods.js';

export interface CanaryPodsHealth {
  state: 'ready' | 'waiting' | 'failed';
  ready: number;
  desired: number;
  pods: number;
  restarts: number;
  reason?: string;
  pullFailure?: PullFailure;
  runtimeFailure?: RuntimeFailure;
}

/** Container states that will not get better by waiting. */
const FATAL_RUNTIME = new Set([
  'CrashLoopBackOff',
  'OOMKilled',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'Error',
]);

/**
 * Judges the canary's pods from one look at them. A pull failure, a crash loop, an OOM kill or more
 * restarts than allowed fail the canary at once: the first poll that sees it is the one that stops it,
 * with the diagnose-pull reason, because none of these heal in the time a canary waits.
 */
export function assessCanaryPods(
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
  desired: number,
  maxRestarts: number,
): CanaryPodsHealth {
  const diagnosis = diagnosePods(pods, events);
  const restarts = pods.reduce(
    (sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0),
    0,
  );
  const ready = pods.filter(isPodReady).length;
  const base = { ready, desired, pods: pods.length, restarts };
  const pull = diagnosis.pullFailures[0];
  if (pull)
    return {
      ...base,
      state: 'failed',
      reason: `canary cannot pull its image: ${pull.category}: ${describePullFailure(pull)}`,
      pullFailure: pull,
    };
  const runtime = diagnosis.runtimeFailures.find((f) => FATAL_RUNTIME.has(f.reason));
  if (runtime)
    return {
      ...base,
      state: 'failed',
      reason: `canary container failing: ${describeRuntimeFailure(runtime)}`,
      runtimeFailure: runtime,
    };
  if (restarts > maxRestarts)
    return {
      ...base,
      state: 'failed',
      reason: `canary containers restarted ${restarts} time(s), more than maxRestarts ${maxRestarts}`,
    };
  return { ...base, state: ready >= desired ? 'ready' : 'waiting' };
}
