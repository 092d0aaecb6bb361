import {
  canaryReplicas,
  effectiveWeight,
  nextAction,
  pauseRemainingMs,
  routeWeights,
  stableReplicas,
} from '../../../steps/lib/canary/plan.js';
import type { CanaryState } from '../../../steps/lib/canary/state.js';
import { isTerminal, ownership, parseLastKnownGood, parseState } from '../../../steps/lib/canary/state.js';

const route = { mode: 'route' as const, route: 'web', stableService: 'web', canaryService: 'web-canary' };
const replicas = { mode: 'replicas' as const };

const state = (over: Partial<CanaryState> = {}): CanaryState => ({
  version: 1,
  run: 'run-1',
  phase: 'Progressing',
  canaryDeployment: 'web-canary',
  canaryImages: { app: 'r/app@sha256:b' },
  stableImages: { app: 'r/app@sha256:a' },
  stableReplicas: 4,
  traffic: route,
  step: 0,
  weight: 0,
  startedAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  analysis: [],
  ...over,
});

describe('replicas and weights', () => {
  test('the canary gets pods in proportion, at least one while it gets traffic', () => {
    expect([0, 1, 10, 25, 50, 100].map((w) => canaryReplicas(4, w))).toEqual([0, 1, 1, 1, 2, 4]);
    expect(canaryReplicas(1, 10)).toBe(1);
  });

  test('behind a Route the stable keeps its pods; behind one Service it gives up what the canary takes, keeping one until 100', () => {
    expect([10, 50, 100].map((w) => stableReplicas(route, 4, w))).toEqual([4, 4, 4]);
    expect([0, 10, 50, 75, 100].map((w) => stableReplicas(replicas, 4, w))).toEqual([4, 3, 2, 1, 0]);
    expect(stableReplicas(replicas, 1, 50)).toBe(1);
  });

  test('route weights: spec.to the stable, the canary the alternate', () => {
    expect(routeWeights(route, 10)).toEqual([
      { service: 'web', weight: 90 },
      { service: 'web-canary', weight: 10 },
    ]);
  });

  test('the effective share behind one Service is the pod ratio', () => {
    expect(effectiveWeight(replicas, 4, 10)).toBe(25);
    expect(effectiveWeight(replicas, 10, 20)).toBe(20);
    expect(effectiveWeight(route, 4, 10)).toBe(10);
  });
});

describe('next action from the state alone', () => {
  const steps = [
    { kind: 'setWeight' as const, weight: 10 },
    { kind: 'pause' as const, durationMs: 1000 },
  ];

  test('progressing runs the recorded step, then promotes', () => {
    expect(nextAction(state({ step: 1 }), steps)).toEqual({ kind: 'step', index: 1, step: steps[1] });
    expect(nextAction(state({ step: 2 }), steps)).toEqual({ kind: 'promote' });
  });

  test('an interrupted promotion or abort is finished; a finished canary does nothing', () => {
    expect(nextAction(state({ phase: 'Promoting' }), steps)).toEqual({ kind: 'promote' });
    expect(nextAction(state({ phase: 'Aborting' }), steps)).toEqual({ kind: 'abort' });
    for (const phase of ['Succeeded', 'Failed', 'RolledBack'] as const)
      expect(nextAction(state({ phase }), steps)).toEqual({ kind: 'done' });
  });

  test('a resumed pause waits only what is left', () => {
    const now = Date.parse('2025-01-01T00:00:10Z');
    expect(pauseRemainingMs(30_000, '2025-01-01T00:00:00Z', now)).toBe(20_000);
    expect(pauseRemainingMs(5_000, '2025-01-01T00:00:00Z', now)).toBe(0);
    expect(pauseRemainingMs(5_000, undefined, now)).toBe(5_000);
  });
});

describe('the state annotation', () => {
  test('round-trips, and anything else is reported, not replaced', () => {
    const s = state();
    expect(parseState(JSON.stringify(s))).toEqual(s);
    expect(parseState(undefined)).toBeUndefined();
    expect(parseState('{')).toEqual(new Error('annotation image-lifecycle.io/canary is not JSON'));
    expect(parseState('{"version":2}')).toEqual(
      new Error('annotation image-lifecycle.io/canary is not a canary state this version understands'),
    );
  });

  test('ownership: free, resume, finished, busy', () => {
    expect(ownership(undefined, 'run-1')).toBe('free');
    expect(ownership(state(), 'run-1')).toBe('resume');
    expect(ownership(state({ phase: 'Aborting' }), 'run-2')).toBe('busy');
    expect(ownership(state({ phase: 'Succeeded' }), 'run-1')).toBe('finished');
    expect(ownership(state({ phase: 'Failed' }), 'run-2')).toBe('free');
    expect(
      ['Succeeded', 'Failed', 'RolledBack', 'Progressing'].map((p) => isTerminal(p as CanaryState['phase'])),
    ).toEqual([true, true, true, false]);
  });

  test('last known good', () => {
    expect(parseLastKnownGood(JSON.stringify({ images: { app: 'x' }, at: 't', run: 'r' }))).toEqual({
      images: { app: 'x' },
      at: 't',
      run: 'r',
    });
    expect(parseLastKnownGood('nope')).toBeUndefined();
    expect(parseLastKnownGood(JSON.stringify({ images: { app: 1 }, at: 't' }))).toBeUndefined();
  });
});
