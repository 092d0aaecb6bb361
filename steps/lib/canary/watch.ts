import { podEvents } from '../diagnose/collect.js';
import { hasPullFailure } from '../diagnose/diagnose.js';
import { listPods } from '../kube/pods.js';
import { CanaryAbort, type CanaryContext } from './context.js';
import { assessCanaryPods, type CanaryPodsHealth } from './pod-health.js';

export interface CanaryPods {
  /** The canary Deployment's label selector, e.g. `app=web,track=canary`. */
  selector: string;
  maxRestarts: number;
}

/** One look at the canary's pods; their events are read only when a pull failed and needs explaining. */
export async function lookAtCanaryPods(
  ctx: CanaryContext,
  pods: CanaryPods,
  desired: number,
): Promise<CanaryPodsHealth> {
  const live = (
    await listPods(ctx.client, { namespace: ctx.namespace, labelSelector: pods.selector })
  ).filter((p) => !p.metadata?.deletionTimestamp);
  const events = hasPullFailure(live) ? await podEvents(ctx.client, ctx.namespace) : [];
  return assessCanaryPods(live, events, desired, pods.maxRestarts);
}

/** Fails the canary now if its pods are failing (between analysis measurements and during pauses). */
export async function guardCanaryPods(ctx: CanaryContext, pods: CanaryPods, desired: number): Promise<void> {
  const health = await lookAtCanaryPods(ctx, pods, desired);
  if (health.state === 'failed') throw new CanaryAbort(health.reason as string);
}

/**
 * Waits until `desired` canary pods are ready. Every poll looks for pull failures, crash loops, OOM kills
 * and restarts, and the first one that sees any fails the canary with the diagnosis: nothing is retried,
 * because none of these heal while a canary waits.
 */
export async function waitForCanaryPods(
  ctx: CanaryContext,
  pods: CanaryPods,
  desired: number,
): Promise<number> {
  const deadline = ctx.now() + ctx.readyTimeoutMs;
  for (let poll = 1; ; poll++) {
    const health = await lookAtCanaryPods(ctx, pods, desired);
    if (health.state === 'failed') throw new CanaryAbort(health.reason as string, poll);
    if (health.state === 'ready') return poll;
    if (ctx.now() >= deadline) {
      throw new CanaryAbort(
        `canary pods not ready within ${Math.round(ctx.readyTimeoutMs / 1000)}s: ${health.ready} of ${desired} ready (${health.pods} pods)`,
        poll,
      );
    }
    ctx.log.progress(`waiting for canary pods: ${health.ready} of ${desired} ready`);
    await ctx.sleep(ctx.pollMs);
  }
}
