import * as say from '../../kube-server/kubelet/messages.js';

describe("the kubelet's words", () => {
  test.each([
    [0, '0s'],
    [717, '717ms'],
    [1594, '1.594s'],
    [10_000, '10s'],
    [90_500, '1m30.5s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ])('Go duration of %i ms is %s', (ms, text) => {
    expect(say.goDuration(ms)).toBe(text);
  });

  test('pull events and waiting messages have the kubelet shapes', () => {
    expect(say.pulled('127.0.0.1:5000/app:v1', 717, 718, 1234)).toBe(
      'Successfully pulled image "127.0.0.1:5000/app:v1" in 717ms (718ms including waiting). Image size: 1234 bytes.',
    );
    expect(say.backOffPulling('x:1')).toBe('Back-off pulling image "x:1"');
    expect(say.backOffPullingWaiting('x:1', 'manifest unknown')).toBe(
      'Back-off pulling image "x:1": ErrImagePull: manifest unknown',
    );
    expect(say.failedToPull('x:1', 'boom')).toBe('Failed to pull image "x:1": boom');
    expect(say.crashLoopWaiting(10_000, 'app', { name: 'web-1', namespace: 'shop', uid: 'u-1' })).toBe(
      'back-off 10s restarting failed container=app pod=web-1_shop(u-1)',
    );
    expect(say.crashLoopEvent('app', { name: 'web-1', namespace: 'shop', uid: 'u-1' })).toBe(
      'Back-off restarting failed container app in pod web-1_shop(u-1)',
    );
    expect(say.createdContainer('app')).toBe('Created container: app');
    expect(say.startedContainer('app')).toBe('Started container app');
  });
});
