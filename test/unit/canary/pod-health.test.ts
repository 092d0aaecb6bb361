import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { parseLabel, selectorMatches } from '../../../steps/lib/canary/labels.js';
import { assessCanaryPods } from '../../../steps/lib/canary/pod-health.js';
import { hasPullFailure } from '../../../steps/lib/diagnose/diagnose.js';
import { backOffPullingWaiting } from '../../kube-server/kubelet/messages.js';

const IMAGE = '127.0.0.1:5000/shop/web:v2';

function pod(name: string, status: Partial<V1ContainerStatus>, ready: boolean): V1Pod {
  return {
    metadata: { name, uid: name },
    spec: { containers: [{ name: 'app', image: IMAGE }] },
    status: {
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'app', image: IMAGE, imageID: '', ready, restartCount: 0, ...status }],
    },
  };
}

const running = (name: string, restartCount = 0) => pod(name, { state: { running: {} }, restartCount }, true);

describe('judging the canary pods from one look', () => {
  test('ready when as many pods are ready as wanted, waiting before', () => {
    expect(assessCanaryPods([running('a'), running('b')], [], 2, 0)).toEqual({
      state: 'ready',
      ready: 2,
      desired: 2,
      pods: 2,
      restarts: 0,
    });
    expect(
      assessCanaryPods(
        [running('a'), pod('b', { state: { waiting: { reason: 'ContainerCreating' } } }, false)],
        [],
        2,
        0,
      ).state,
    ).toBe('waiting');
  });

  test('the first look at ErrImagePull or ImagePullBackOff fails it with the diagnosis', () => {
    const error =
      'rpc error: code = Unknown desc = reading manifest v2 in 127.0.0.1:5000/shop/web: manifest unknown';
    for (const p of [
      pod('x', { state: { waiting: { reason: 'ErrImagePull', message: error } } }, false),
      pod(
        'x',
        { state: { waiting: { reason: 'ImagePullBackOff', message: backOffPullingWaiting(IMAGE, error) } } },
        false,
      ),
    ]) {
      expect(hasPullFailure([p])).toBe(true);
      const health = assessCanaryPods([running('a'), p], [], 2, 0);
      expect(health.state).toBe('failed');
      expect(health.reason).toMatch(
        /^canary cannot pull its image: not-found: pod x container app: (ErrImagePull|ImagePullBackOff): tag or manifest not found \(127\.0\.0\.1:5000\/shop\/web:v2\): rpc error: .*manifest unknown; fix: push the tag/,
      );
    }
  });

  test('a crash loop or an OOM kill fails it at once; restarts beyond the limit too', () => {
    const crash = pod(
      'c',
      {
        state: {
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app' },
        },
        restartCount: 2,
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      },
      false,
    );
    expect(assessCanaryPods([crash], [], 1, 5).reason).toBe(
      'canary container failing: pod c container app: CrashLoopBackOff (2 restarts, last exit code 1)',
    );
    const oom = pod(
      'o',
      {
        state: { running: {} },
        restartCount: 1,
        lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
      },
      true,
    );
    expect(assessCanaryPods([oom], [], 1, 0).reason).toBe(
      'canary containers restarted 1 time(s), more than maxRestarts 0',
    );
    expect(assessCanaryPods([oom], [], 1, 1).state).toBe('ready');
    expect(hasPullFailure([oom])).toBe(false);
  });
});

describe('labels', () => {
  test('a selector matches labels by matchLabels and matchExpressions', () => {
    const labels = { app: 'web', track: 'canary' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web', track: 'stable' } }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] },
        labels,
      ),
    ).toBe(false);
    expect(
      selectorMatches(
        { matchExpressions: [{ key: 'track', operator: 'In', values: ['canary', 'x'] }] },
        labels,
      ),
    ).toBe(true);
    expect(
      selectorMatches(
        {
          matchExpressions: [
            { key: 'tier', operator: 'DoesNotExist' },
            { key: 'app', operator: 'Exists' },
          ],
        },
        labels,
      ),
    ).toBe(true);
  });

  test('key=value', () => {
    expect(parseLabel('canary-label', 'track=canary')).toEqual(['track', 'canary']);
    expect(() => parseLabel('canary-label', 'track')).toThrow(
      '--canary-label "track" is not key=value, e.g. track=canary',
    );
  });
});
