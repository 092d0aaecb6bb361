import { setRouteWeights } from '../kube/routes.js';
import type { CanaryContext } from './context.js';
import { routeWeights, stableReplicas } from './plan.js';
import type { CanaryState } from './state.js';
import { scale } from './workloads.js';

/**
 * Sends `weight` percent of traffic to the canary, whose pods are already ready: Route weights, or (one
 * Service over both) the stable scaled down to its share. Absolute, so running it again changes nothing.
 */
export async function shiftTraffic(ctx: CanaryContext, state: CanaryState, weight: number): Promise<void> {
  if (state.traffic.mode === 'route') {
    await setRouteWeights(
      ctx.client,
      state.traffic.route,
      routeWeights(state.traffic, weight),
      ctx.namespace,
    );
    ctx.log.info(
      `route ${state.traffic.route}: ${state.traffic.stableService} ${100 - weight}, ${state.traffic.canaryService} ${weight}`,
    );
    return;
  }
  const replicas = stableReplicas(state.traffic, state.stableReplicas, weight);
  await scale(ctx.client, ctx.stable, ctx.namespace, replicas);
  ctx.log.info(`deployment ${ctx.stable} scaled to ${replicas} of ${state.stableReplicas} replicas`);
}
