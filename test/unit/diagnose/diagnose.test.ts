import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { describePullFailure, diagnosePods } from '../../../steps/lib/diagnose/diagnose.js';
import {
  backOffPullingWaiting,
  failedToPull,
  missingPullSecrets,
  pulled,
} from '../../kube-server/kubelet/messages.js';

function pod(
  name: string,
  statuses: V1ContainerStatus[],
  spec: Partial<NonNullable<V1Pod['spec']>> = {},
): V1Pod {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'shop' },
    spec: {
      containers: statuses.map((s) => ({ name: s.name, image: s.image })),
      serviceAccountName: 'deployer',
      ...spec,
    },
    status: { containerStatuses: statuses },
  };
}

function waiting(
  name: string,
  image: string,
  reason: string,
  message?: string,
  restartCount = 0,
): V1ContainerStatus {
  return {
    name,
    image,
    imageID: '',
    ready: false,
    restartCount,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
  };
}

let seq = 0;
function event(podName: string, reason: string, message: string, container = 'web'): CoreV1Event {
  seq += 1;
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString();
  return {
    metadata: { name: `${podName}.${seq}` },
    involvedObject: {
      kind: 'Pod',
      name: podName,
      uid: `uid-${podName}`,
      namespace: 'shop',
      fieldPath: `spec.containers{${container}}`,
    },
    reason,
    message,
    type: reason === 'Failed' ? 'Warning' : 'Normal',
    firstTimestamp: at as unknown as Date,
    lastTimestamp: at as unknown as Date,
  };
}

const IMAGE = 'registry.corp:5000/shop/web:v2';

describe('diagnosing pods', () => {
  test('before kubelet 1.30 the back-off message is bare: the error comes from the newest Failed event of that container', () => {
    const p = pod('web-1', [waiting('web', IMAGE, 'ImagePullBackOff', `Back-off pulling image "${IMAGE}"`)], {
      imagePullSecrets: [{ name: 'corp-pull' }],
    });
    const events = [
      event('web-1', 'Pulling', `Pulling image "${IMAGE}"`),
      event(
        'web-1',
        'Failed',
        failedToPull(IMAGE, 'rpc error: code = Unknown desc = old error: manifest unknown'),
      ),
      event('web-1', 'Failed', 'Error: ErrImagePull'),
      event(
        'web-1',
        'Failed',
        failedToPull(
          IMAGE,
          'rpc error: code = Unknown desc = reading manifest v2 in registry.corp:5000/shop/web: unauthorized: authentication required',
        ),
      ),
      event('web-1', 'Failed', 'Error: ImagePullBackOff'),
      event('other', 'Failed', failedToPull(IMAGE, 'x509: certificate signed by unknown authority')),
    ];
    const d = diagnosePods([p], events);
    expect(d.runtimeFailures).toEqual([]);
    expect(d.pullFailures).toEqual([
      {
        pod: 'web-1',
        container: 'web',
        init: false,
        image: IMAGE,
        reason: 'ImagePullBackOff',
        category: 'unauthorized',
        title: 'unauthorized or access denied',
        message:
          'rpc error: code = Unknown desc = reading manifest v2 in registry.corp:5000/shop/web: unauthorized: authentication required',
        registry: 'registry.corp:5000',
        serviceAccount: 'deployer',
        pullSecrets: ['corp-pull'],
        missingSecrets: [],
        fix: 'the credentials in pull secret(s) "corp-pull" are wrong or lack pull access to the repository on registry.corp:5000: update the secret',
      },
    ]);
    expect(describePullFailure(d.pullFailures[0]!)).toMatch(
      /^pod web-1 container web: ImagePullBackOff: unauthorized or access denied \(registry\.corp:5000\/shop\/web:v2\): rpc error/,
    );
  });

  test('since 1.30 the waiting message carries the error, and a missing pull secret is named', () => {
    const error =
      'rpc error: code = NotFound desc = failed to pull and unpack image "x": failed to resolve reference "x": not found';
    const p = pod('web-2', [waiting('web', IMAGE, 'ImagePullBackOff', backOffPullingWaiting(IMAGE, error))], {
      imagePullSecrets: [{ name: 'gone' }],
    });
    const d = diagnosePods(
      [p],
      [
        {
          ...event('web-2', 'FailedToRetrieveImagePullSecret', missingPullSecrets(['"gone"'])),
          involvedObject: { kind: 'Pod', name: 'web-2', uid: 'uid-web-2' },
        },
      ],
    );
    expect(d.pullFailures[0]).toMatchObject({
      category: 'not-found',
      message: error,
      pullSecrets: ['gone'],
      missingSecrets: ['gone'],
    });
  });

  test('ErrImagePull carries the error itself; an invalid name is classified by its reason', () => {
    const p = pod('web-3', [
      waiting(
        'web',
        IMAGE,
        'ErrImagePull',
        'rpc error: code = Unknown desc = pinging container registry registry.corp:5000: Get "https://registry.corp:5000/v2/": dial tcp: lookup registry.corp: no such host',
      ),
      waiting(
        'side',
        'Bad:Name',
        'InvalidImageName',
        'Failed to apply default image tag "Bad:Name": couldn\'t parse image reference "Bad:Name": invalid reference format: repository name must be lowercase',
      ),
    ]);
    const d = diagnosePods([p], []);
    expect(d.pullFailures.map((f) => [f.container, f.category, f.registry])).toEqual([
      ['web', 'unreachable', 'registry.corp:5000'],
      ['side', 'invalid-name', undefined],
    ]);
    expect(d.pullFailures[0]?.fix).toBe(
      'the node cannot resolve registry.corp:5000: check the registry host name and the cluster DNS',
    );
  });

  test('crash loops and OOM kills are runtime failures, not pull failures', () => {
    const crash: V1ContainerStatus = {
      ...waiting(
        'web',
        IMAGE,
        'CrashLoopBackOff',
        'back-off 20s restarting failed container=web pod=web-4_shop(uid-web-4)',
        3,
      ),
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
    };
    const err: V1ContainerStatus = {
      ...waiting('side', IMAGE, 'CrashLoopBackOff', undefined, 2),
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    };
    const d = diagnosePods([pod('web-4', [crash, err])], []);
    expect(d.pullFailures).toEqual([]);
    expect(
      d.runtimeFailures.map((f) => [f.container, f.reason, f.restarts, f.lastTermination?.exitCode]),
    ).toEqual([
      ['web', 'OOMKilled', 3, 137],
      ['side', 'CrashLoopBackOff', 2, 1],
    ]);
  });

  test('pull durations come from the Pulled events of the pods, in order, skipping "already present"', () => {
    const running: V1ContainerStatus = {
      name: 'web',
      image: IMAGE,
      imageID: 'x',
      ready: true,
      restartCount: 0,
      state: { running: {} },
    };
    const events = [
      event('web-5', 'Pulled', pulled(IMAGE, 1594, 2000, 1234)),
      event('web-6', 'Pulled', 'Successfully pulled image "nginx" in 4.040523593s', 'proxy'),
      event('web-6', 'Pulled', `Container image "${IMAGE}" already present on machine`),
      event('not-ours', 'Pulled', pulled(IMAGE, 9000, 9000, 1)),
    ];
    const d = diagnosePods([pod('web-5', [running]), pod('web-6', [running])], events);
    expect(d.pods).toBe(2);
    expect(d.pullFailures).toEqual([]);
    expect(d.pulls).toEqual([
      { pod: 'web-5', container: 'web', image: IMAGE, seconds: 1.594, totalSeconds: 2, sizeBytes: 1234 },
      { pod: 'web-6', container: 'proxy', image: 'nginx', seconds: 4.041 },
    ]);
  });
});
