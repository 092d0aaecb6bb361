import type { V1Deployment } from '@kubernetes/client-node';
import { sleep } from '../concurrency.js';
import type { KubeClient } from './client.js';
import { updateWithConflictRetry, type ConflictRetryOptions } from './concurrency.js';
import type { KubeAction } from './errors.js';
import { PATCH_CONTENT_TYPES, type PatchBody, type PatchType } from './patch.js';
import { deploymentRolloutStatus, type RolloutStatus } from './rollout.js';

const action = (verb: KubeAction['verb'], name: string, namespace: string): KubeAction => ({
  verb,
  resource: 'deployments',
  group: 'apps',
  name,
  namespace,
});

export function getDeployment(
  client: KubeClient,
  name: string,
  namespace = client.namespace,
): Promise<V1Deployment> {
  return client.call(action('get', name, namespace), (o) =>
    client.apps.readNamespacedDeployment({ name, namespace }, o),
  );
}

/** Patches with the given format; the Content-Type is always set to match it. */
export function patchDeployment<T extends PatchType>(
  client: KubeClient,
  name: string,
  type: T,
  patch: PatchBody<T>,
  namespace = client.namespace,
): Promise<V1Deployment> {
  return client.call(
    action('patch', name, namespace),
    (o) => client.apps.patchNamespacedDeployment({ name, namespace, body: patch }, o),
    PATCH_CONTENT_TYPES[type],
  );
}

/** Read-modify-replace with the read resourceVersion; a concurrent writer makes us re-read and retry. */
export function updateDeployment(
  client: KubeClient,
  name: string,
  mutate: (d: V1Deployment) => V1Deployment | undefined | Promise<V1Deployment | undefined>,
  namespace = client.namespace,
  options: ConflictRetryOptions = {},
): Promise<V1Deployment> {
  return updateWithConflictRetry(
    () => getDeployment(client, name, namespace),
    mutate,
    (body) =>
      client.call(action('update', name, namespace), (o) =>
        client.apps.replaceNamespacedDeployment({ name, namespace, body }, o),
      ),
    options,
  );
}

export interface RolloutWaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called with each new kubectl-style progress message. */
  onProgress?: (message: string) => void;
  /** Asked on each poll while the rollout progresses: a reason it cannot finish ends the wait as failed. */
  stalled?: (deployment: V1Deployment) => Promise<string | undefined>;
}

export interface RolloutResult extends RolloutStatus {
  /** `timeout` when neither done nor failed within timeoutMs. */
  outcome: 'done' | 'failed' | 'timeout';
  deployment: V1Deployment;
}

/** Polls the Deployment until its rollout is done, fails (ProgressDeadlineExceeded) or timeoutMs passes. */
export async function waitForRollout(
  client: KubeClient,
  name: string,
  options: RolloutWaitOptions,
  namespace = client.namespace,
): Promise<RolloutResult> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const deployment = await getDeployment(client, name, namespace);
    const status = deploymentRolloutStatus(deployment);
    if (status.message !== last) options.onProgress?.(status.message);
    last = status.message;
    if (status.state !== 'progressing') return { ...status, outcome: status.state, deployment };
    const stalled = await options.stalled?.(deployment);
    if (stalled) return { state: 'failed', message: stalled, outcome: 'failed', deployment };
    if (Date.now() >= deadline) return { ...status, outcome: 'timeout', deployment };
    await sleep(options.intervalMs ?? 2000);
  }
}
