import {
  newReplicaSetTarget,
  oldReplicaSetTargets,
  resolveFenceposts,
} from '../../kube-server/controllers/rolling.js';

const rs = (name: string, replicas: number, available: number) => ({ name, replicas, available });

describe('rolling update arithmetic', () => {
  test('maxSurge rounds up, maxUnavailable rounds down, and both zero becomes one unavailable', () => {
    expect(resolveFenceposts('25%', '25%', 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(0, 0, 4)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(2, '50%', 4)).toEqual({ surge: 2, unavailable: 2 });
    expect(() => resolveFenceposts('lots', 1, 4)).toThrow(/invalid value/);
  });

  test('the new ReplicaSet grows only as far as the surge allows', () => {
    const old = rs('old', 4, 4);
    expect(newReplicaSetTarget(4, 1, rs('new', 0, 0), [rs('new', 0, 0), old])).toBe(1);
    expect(newReplicaSetTarget(4, 1, rs('new', 1, 0), [rs('new', 1, 0), old])).toBe(1);
    expect(newReplicaSetTarget(4, 1, rs('new', 1, 1), [rs('new', 1, 1), rs('old', 3, 3)])).toBe(2);
    expect(newReplicaSetTarget(4, 1, rs('new', 6, 6), [rs('new', 6, 6)])).toBe(4);
  });

  test('old ReplicaSets shrink while availability stays at desired - maxUnavailable', () => {
    // 4 desired, 1 unavailable allowed: new has 1 available, so one old pod may go.
    expect(oldReplicaSetTargets(4, 1, rs('new', 1, 1), [rs('old', 4, 4)]).get('old')).toBe(2);
    // Nothing of the new one is available yet: no old pod may go beyond the one allowed.
    expect(oldReplicaSetTargets(4, 0, rs('new', 1, 0), [rs('old', 4, 4)]).get('old')).toBe(4);
    // Unavailable old pods go first, within the budget of pods above the minimum (here 5 - 4 = 1).
    expect(oldReplicaSetTargets(4, 0, rs('new', 1, 1), [rs('old', 4, 1)]).get('old')).toBe(3);
    // With a larger budget the three unavailable ones go, then one available pod above the minimum of 4.
    expect(oldReplicaSetTargets(4, 0, rs('new', 0, 0), [rs('old', 8, 5)]).get('old')).toBe(4);
    expect(oldReplicaSetTargets(2, 0, rs('new', 2, 2), [rs('a', 1, 1), rs('b', 1, 1)])).toEqual(
      new Map([
        ['a', 0],
        ['b', 0],
      ]),
    );
  });
});
