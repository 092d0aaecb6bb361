import type { V1Deployment } from '@kubernetes/client-node';
import { GateError } from '../errors.js';
import type { CanaryContext } from '../canary/context.js';
import { restoreStable } from '../canary/restore.js';
import { isTerminal, type CanaryState } from '../canary/state.js';
import { lastKnownGoodOf, stateOf, writeState } from '../canary/store.js';
import { awaitRollout, containerImages, sameImages } from '../canary/workloads.js';
import { getDeployment, updateDeployment } from '../kube/deployments.js';
import { replicaSetsFor } from '../kube/replicasets.js';
import { findRevision, planRevisionRollback } from './revision.js';

export interface RollbackOutcome {
  action: 'rolled-back' | 'nothing-to-do' | 'would-roll-back';
  /** ROLLBACK_RESULT: `rolled-back: ...` or `nothing-to-do: ...`. */
  message: string;
  /** Container → image the Deployment runs afterwards. */
  images: Record<string, string>;
  revision?: number;
  rollout?: 'done' | 'failed' | 'timeout' | 'not-needed';
}

const iso = (ms: number) => new Date(ms).toISOString();

function nothing(message: string, deployment: V1Deployment): RollbackOutcome {
  return {
    action: 'nothing-to-do',
    message: `nothing-to-do: ${message}`,
    images: containerImages(deployment),
  };
}

/**
 * The `finally` rollback: acts only when this run's canary did not succeed (it was killed mid-way, failed
 * mid-abort, or aborted), and then restores traffic and the stable's images from the recorded state and
 * marks it RolledBack. Anything else (no canary, another run's, a promotion) is left alone.
 */
export async function rollbackUnfinishedCanary(
  ctx: CanaryContext,
  run: string,
  dryRun = false,
): Promise<RollbackOutcome> {
  const deployment = await getDeployment(ctx.client, ctx.stable, ctx.namespace);
  const state = stateOf(deployment);
  if (!state) return nothing(`deployment ${ctx.stable} has no canary state`, deployment);
  if (state.run !== run)
    return nothing(
      `the canary state of deployment ${ctx.stable} belongs to run ${state.run}, not ${run}`,
      deployment,
    );
  if (state.phase === 'Succeeded' || state.phase === 'RolledBack')
    return nothing(`the canary of run ${run} is ${state.phase}`, deployment);
  const why = isTerminal(state.phase)
    ? `the canary of run ${run} failed (${state.message ?? 'no reason recorded'})`
    : `the canary of run ${run} did not finish (${state.phase} at step ${state.step + 1}, ${state.weight}% on the canary)`;
  if (dryRun)
    return { action: 'would-roll-back', message: `would roll back: ${why}`, images: state.stableImages };
  ctx.log.info(`rolling back: ${why}`);
  let current = state;
  const mark = async (change: (s: CanaryState) => CanaryState) => {
    current = (await writeState(ctx.client, ctx.stable, ctx.namespace, (found) => {
      if (!found || found.run !== run || found.phase !== current.phase)
        throw new GateError(
          `deployment "${ctx.stable}": the canary state changed during the rollback (now ${found ? `${found.phase} of run ${found.run}` : 'gone'})`,
        );
      return { state: { ...change(found), updatedAt: iso(ctx.now()) } };
    })) as CanaryState;
  };
  // Claim it first: a canary step still alive then sees the state changed under it and stops.
  if (!isTerminal(current.phase))
    await mark((s) => ({ ...s, phase: 'Aborting', message: `rolled back by run ${run}'s finally: ${why}` }));
  const report = await restoreStable(ctx, current);
  await mark((s) => ({ ...s, phase: 'RolledBack', weight: 0 }));
  return {
    action: 'rolled-back',
    message: `rolled-back: ${why}; traffic and images restored`,
    images: current.stableImages,
    rollout: report.rollout,
  };
}

/** A manual rollback may not run under a paused Deployment or a canary in flight. */
function refuseUnsafe(deployment: V1Deployment): void {
  const name = deployment.metadata?.name;
  if (deployment.spec?.paused)
    throw new GateError(
      `deployment "${name}" is paused: resume it first (kubectl rollout resume deployment/${name}), then roll back`,
    );
  const state = stateOf(deployment);
  if (state && !isTerminal(state.phase)) {
    throw new GateError(
      `deployment "${name}" has a canary of run ${state.run} in flight (${state.phase}); roll that back with --to finally --run ${state.run}`,
    );
  }
}

async function finish(ctx: CanaryContext, wait: boolean): Promise<RollbackOutcome['rollout']> {
  if (!wait) return 'not-needed';
  const result = await awaitRollout(
    ctx.client,
    ctx.stable,
    ctx.namespace,
    ctx.rolloutTimeoutMs,
    ctx.pollMs,
    ctx.log,
  );
  if (result.outcome !== 'done')
    throw new GateError(
      `deployment "${ctx.stable}" was rolled back but did not finish rolling out (${result.outcome}): ${result.message}`,
    );
  return result.outcome;
}

/** Back to the images the last successful promotion recorded (image-lifecycle.io/last-known-good). */
export async function rollbackToLastKnownGood(
  ctx: CanaryContext,
  options: { wait: boolean; dryRun?: boolean },
): Promise<RollbackOutcome> {
  let target: Record<string, string> = {};
  let changed = false;
  const deployment = await updateDeployment(
    ctx.client,
    ctx.stable,
    (d) => {
      refuseUnsafe(d);
      const lkg = lastKnownGoodOf(d);
      if (!lkg)
        throw new GateError(
          `deployment "${ctx.stable}" has no last-known-good recorded (a promoted canary records it)`,
        );
      target = lkg.images;
      changed = !sameImages(d, target);
      if (!changed || options.dryRun) return undefined;
      const next = structuredClone(d);
      for (const c of next.spec?.template.spec?.containers ?? [])
        if (target[c.name]) c.image = target[c.name];
      return next;
    },
    ctx.namespace,
  );
  const images = Object.entries(target)
    .map(([c, i]) => `${c}=${i}`)
    .join(', ');
  if (!changed)
    return nothing(`deployment ${ctx.stable} already runs its last known good (${images})`, deployment);
  if (options.dryRun)
    return {
      action: 'would-roll-back',
      message: `would roll back deployment ${ctx.stable} to last known good ${images}`,
      images: target,
    };
  ctx.log.info(`deployment ${ctx.stable}: images set to last known good ${images}`);
  const rollout = await finish(ctx, options.wait);
  return {
    action: 'rolled-back',
    message: `rolled-back: deployment ${ctx.stable} to last known good ${images}`,
    images: containerImages(deployment),
    rollout,
  };
}

/** `kubectl rollout undo [--to-revision N]`: the revision's pod template copied back (0 = the previous one). */
export async function rollbackToRevision(
  ctx: CanaryContext,
  revision: number,
  options: { wait: boolean; dryRun?: boolean },
): Promise<RollbackOutcome> {
  let plan: ReturnType<typeof planRevisionRollback> | undefined;
  const deployment = await updateDeployment(
    ctx.client,
    ctx.stable,
    async (d) => {
      refuseUnsafe(d);
      plan = planRevisionRollback(d, findRevision(d, await replicaSetsFor(ctx.client, d), revision));
      if (plan.unchanged || options.dryRun) return undefined;
      return {
        ...d,
        metadata: { ...d.metadata, annotations: { ...d.metadata?.annotations, ...plan.annotations } },
        spec: { ...(d.spec as NonNullable<V1Deployment['spec']>), template: plan.template },
      };
    },
    ctx.namespace,
  );
  const chosen = plan as NonNullable<typeof plan>;
  if (chosen.unchanged)
    return {
      ...nothing(`deployment ${ctx.stable} already runs revision ${chosen.revision}'s template`, deployment),
      revision: chosen.revision,
    };
  const images = Object.fromEntries(
    (chosen.template.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']),
  );
  if (options.dryRun)
    return {
      action: 'would-roll-back',
      message: `would roll back deployment ${ctx.stable} to revision ${chosen.revision}`,
      images,
      revision: chosen.revision,
    };
  ctx.log.info(`deployment ${ctx.stable}: template of revision ${chosen.revision} restored`);
  const rollout = await finish(ctx, options.wait);
  return {
    action: 'rolled-back',
    message: `rolled-back: deployment ${ctx.stable} to revision ${chosen.revision}`,
    images,
    revision: chosen.revision,
    rollout,
  };
}
