import { backendsForWeights, routeTrafficShares, type Route } from '../../../steps/lib/kube/routes.js';

const route = (spec: Partial<Route['spec']>): Route => ({
  metadata: { name: 'web' },
  spec: { to: { kind: 'Service', name: 'web' }, ...spec },
});

describe('route weights', () => {
  test('shares are weights over their sum; an unset weight counts as 100', () => {
    expect(
      routeTrafficShares(
        route({
          to: { kind: 'Service', name: 'stable', weight: 90 },
          alternateBackends: [{ kind: 'Service', name: 'canary', weight: 10 }],
        }),
      ),
    ).toEqual([
      { service: 'stable', weight: 90, percent: 90 },
      { service: 'canary', weight: 10, percent: 10 },
    ]);
    expect(routeTrafficShares(route({ to: { kind: 'Service', name: 'only' } }))).toEqual([
      { service: 'only', weight: 100, percent: 100 },
    ]);
    expect(routeTrafficShares(route({ to: { kind: 'Service', name: 'a', weight: 0 } }))[0]?.percent).toBe(0);
  });

  test('the first backend goes to spec.to, the others to alternateBackends', () => {
    expect(
      backendsForWeights([
        { service: 'stable', weight: 200 },
        { service: 'canary', weight: 56 },
      ]),
    ).toEqual({
      to: { kind: 'Service', name: 'stable', weight: 200 },
      alternateBackends: [{ kind: 'Service', name: 'canary', weight: 56 }],
    });
  });

  test.each([
    [[], 'route weights: at least one backend is needed'],
    [
      [{ service: 'a', weight: 257 }],
      'route weights: weight for "a" must be an integer from 0 to 256, got 257',
    ],
    [
      [{ service: 'a', weight: 1.5 }],
      'route weights: weight for "a" must be an integer from 0 to 256, got 1.5',
    ],
    [
      [
        { service: 'a', weight: 1 },
        { service: 'a', weight: 2 },
      ],
      'route weights: service "a" is listed twice',
    ],
    [[{ service: 'a', weight: 0 }], 'route weights: at least one backend needs a weight above 0'],
    [
      ['a', 'b', 'c', 'd', 'e'].map((service) => ({ service, weight: 1 })),
      'route weights: at most 4 backends (spec.to and 3 alternates), got 5',
    ],
  ])('refuses %j', (weights, message) => {
    expect(() => backendsForWeights(weights)).toThrow(message);
  });
});
