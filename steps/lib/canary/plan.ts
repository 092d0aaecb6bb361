import type { BackendWeight } from '../kube/routes.js';
import type { CanaryStep } from './config.js';
import type { CanaryState, TrafficConfig } from './state.js';

/** Canary pods for a weight: in proportion to the stable replicas, at least one while it gets any traffic. */
export function canaryReplicas(total: number, weight: number): number {
  if (weight <= 0) return 0;
  return Math.max(1, Math.ceil((total * weight) / 100));
}

/**
 * Stable pods for a weight. Behind a Route the stable keeps all its pods (the Route splits traffic); with
 * one Service over both, the split is the pod ratio, so the stable gives up what the canary takes, but
 * keeps one pod until the canary is to get everything.
 */
export function stableReplicas(traffic: TrafficConfig, total: number, weight: number): number {
  if (traffic.mode === 'route') return total;
  if (weight >= 100) return 0;
  return Math.max(1, total - canaryReplicas(total, weight));
}

/** The Route's backends for a weight: spec.to is the stable Service, the canary the alternate backend. */
export function routeWeights(
  traffic: Extract<TrafficConfig, { mode: 'route' }>,
  weight: number,
): BackendWeight[] {
  return [
    { service: traffic.stableService, weight: 100 - weight },
    { service: traffic.canaryService, weight },
  ];
}

/** The share of traffic the canary actually gets with these pod counts behind one Service. */
export function effectiveWeight(traffic: TrafficConfig, total: number, weight: number): number {
  if (traffic.mode === 'route') return weight;
  const canary = canaryReplicas(total, weight);
  const stable = stableReplicas(traffic, total, weight);
  return canary + stable === 0 ? 0 : Math.round((100 * canary) / (canary + stable));
}

export type NextAction =
  | { kind: 'step'; index: number; step: CanaryStep }
  | { kind: 'promote' }
  | { kind: 'abort' }
  | { kind: 'done' };

/** What to do next from the recorded state alone, so a restarted step picks up exactly where it stopped. */
export function nextAction(state: CanaryState, steps: readonly CanaryStep[]): NextAction {
  switch (state.phase) {
    case 'Progressing': {
      const step = steps[state.step];
      return step ? { kind: 'step', index: state.step, step } : { kind: 'promote' };
    }
    case 'Promoting':
      return { kind: 'promote' };
    case 'Aborting':
      return { kind: 'abort' };
    default:
      return { kind: 'done' };
  }
}

/** How long a pause step still has to run, given when it began. */
export function pauseRemainingMs(durationMs: number, startedAt: string | undefined, now: number): number {
  const began = startedAt ? Date.parse(startedAt) : now;
  return Math.max(0, durationMs - (now - (Number.isFinite(began) ? began : now)));
}
