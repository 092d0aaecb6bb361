import { setRouteWeights } from '../kube/routes.js';
import { getDeployment } from '../kube/deployments.js';
import type { CanaryContext } from './context.js';
import { routeWeights } from './plan.js';
import type { CanaryState } from './state.js';
import { awaitRollout, sameImages, scaleToZero, setImages } from './workloads.js';

export interface RestoreReport {
  stableRestored: boolean;
  rollout: 'done' | 'failed' | 'timeout' | 'not-needed';
}

/**
 * Puts everything back as it was before the canary, from the recorded state alone (so the rollback in a
 * `finally` can do it after the canary step was killed). Behind a Route: traffic to the stable first, then
 * the canary to zero, then the stable's images back if a promotion had already changed them. Behind one
 * Service the stable is brought back to its size (and images) before the canary goes, so capacity never
 * drops. Each action is absolute and safe to repeat.
 */
export async function restoreStable(ctx: CanaryContext, state: CanaryState): Promise<RestoreReport> {
  const { client, namespace, stable, log } = ctx;
  if (state.traffic.mode === 'route') {
    await setRouteWeights(client, state.traffic.route, routeWeights(state.traffic, 0), namespace);
    log.info(`route ${state.traffic.route}: all traffic back on ${state.traffic.stableService}`);
    await scaleToZero(client, state.canaryDeployment, namespace);
  }
  const current = await getDeployment(client, stable, namespace);
  const patched = !sameImages(current, state.stableImages);
  const resized = state.traffic.mode === 'replicas' && current.spec?.replicas !== state.stableReplicas;
  let rollout: RestoreReport['rollout'] = 'not-needed';
  if (patched || resized) {
    await setImages(
      client,
      stable,
      namespace,
      state.stableImages,
      state.traffic.mode === 'replicas' ? state.stableReplicas : undefined,
    );
    if (patched)
      log.info(`deployment ${stable}: images restored to ${Object.values(state.stableImages).join(', ')}`);
    const result = await awaitRollout(client, stable, namespace, ctx.rolloutTimeoutMs, ctx.pollMs, log);
    rollout = result.outcome;
    if (result.outcome !== 'done')
      log.warn(`deployment ${stable} did not finish rolling back (${result.outcome}): ${result.message}`);
  }
  if (state.traffic.mode === 'replicas') await scaleToZero(client, state.canaryDeployment, namespace);
  log.info(`canary deployment ${state.canaryDeployment} scaled to 0`);
  return { stableRestored: patched, rollout };
}
