import type { V1Pod } from '@kubernetes/client-node';
import { ExitCode } from '../../../steps/lib/errors.js';
import {
  errorFromStatus,
  KubeAlreadyExistsError,
  KubeConflictError,
  KubeForbiddenError,
  KubeInvalidError,
  KubeNotFoundError,
  KubeUnauthorizedError,
  type KubeAction,
} from '../../../steps/lib/kube/errors.js';
import { containerProblems } from '../../../steps/lib/kube/pods.js';
import { labelSelectorString } from '../../../steps/lib/kube/selectors.js';

const patch: KubeAction = {
  verb: 'patch',
  resource: 'deployments',
  group: 'apps',
  namespace: 'shop',
  name: 'web',
};
const SERVER = 'https://api.example:6443';

describe('API server answers mapped to the step contract', () => {
  test('403 names verb, resource, namespace and identity, and exits 2', () => {
    const err = errorFromStatus(
      patch,
      403,
      {
        reason: 'Forbidden',
        message:
          'deployments.apps "web" is forbidden: User "system:serviceaccount:shop:pipeline" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
      },
      SERVER,
    );
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toMatch(
      /^forbidden: cannot patch deployments\.apps in namespace "shop" as system:serviceaccount:shop:pipeline \(check the Role and RoleBinding for this identity\)/,
    );
  });

  test.each([
    [401, undefined, KubeUnauthorizedError, ExitCode.usage],
    [404, 'NotFound', KubeNotFoundError, ExitCode.usage],
    [409, 'AlreadyExists', KubeAlreadyExistsError, ExitCode.usage],
    [409, 'Conflict', KubeConflictError, ExitCode.infra],
    [422, 'Invalid', KubeInvalidError, ExitCode.usage],
    [400, 'BadRequest', KubeInvalidError, ExitCode.usage],
  ])('%i %s → %p, exit %i', (code, reason, type, exit) => {
    const err = errorFromStatus(patch, code, { reason, message: 'server words' }, SERVER);
    expect(err).toBeInstanceOf(type);
    expect(err.exitCode).toBe(exit);
  });

  test('other statuses (exhausted 5xx) are infrastructure failures', () => {
    const err = errorFromStatus({ verb: 'get', resource: 'pods', group: '' }, 503, undefined, SERVER);
    expect(err.exitCode).toBe(ExitCode.infra);
    expect(err.message).toBe('get pods: the API server answered HTTP 503');
  });

  test('404 says what was looked for', () => {
    expect(
      errorFromStatus(
        { verb: 'get', resource: 'routes', group: 'route.openshift.io', namespace: 'shop', name: 'web' },
        404,
        { message: 'routes.route.openshift.io "web" not found' },
        SERVER,
      ).message,
    ).toBe(
      'get routes.route.openshift.io "web" in namespace "shop": not found: routes.route.openshift.io "web" not found',
    );
  });
});

describe('container problems', () => {
  const pod = (statuses: object[], init: object[] = []) =>
    ({
      metadata: { name: 'web-1' },
      status: { containerStatuses: statuses, initContainerStatuses: init },
    }) as V1Pod;
  const base = { name: 'app', image: 'app:v1', imageID: '', ready: false, restartCount: 0 };

  test('waiting reasons other than creation are problems; a crash loop carries the last exit', () => {
    const problems = containerProblems(
      pod([
        {
          ...base,
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "app:v1"' } },
        },
        {
          ...base,
          name: 'side',
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
        { ...base, name: 'starting', state: { waiting: { reason: 'ContainerCreating' } } },
        { ...base, name: 'fine', ready: true, state: { running: {} } },
      ]),
    );
    expect(problems).toEqual([
      {
        pod: 'web-1',
        container: 'app',
        init: false,
        restartCount: 0,
        image: 'app:v1',
        reason: 'ImagePullBackOff',
        message: 'Back-off pulling image "app:v1"',
      },
      {
        pod: 'web-1',
        container: 'side',
        init: false,
        restartCount: 3,
        image: 'app:v1',
        reason: 'CrashLoopBackOff',
        message: undefined,
        lastTermination: { reason: 'OOMKilled', exitCode: 137 },
      },
    ]);
  });

  test('a failed init container is reported as one', () => {
    const [problem] = containerProblems(
      pod([], [{ ...base, name: 'migrate', state: { terminated: { exitCode: 2, reason: 'Error' } } }]),
    );
    expect(problem).toMatchObject({
      container: 'migrate',
      init: true,
      reason: 'Error',
      lastTermination: { exitCode: 2 },
    });
  });
});

test('label selector objects render as query strings', () => {
  expect(
    labelSelectorString({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'track', operator: 'In', values: ['stable', 'canary'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'NotIn', values: ['db'] },
        { key: 'owner', operator: 'Exists' },
      ],
    }),
  ).toBe('app=web,track in (stable,canary),!legacy,tier notin (db),owner');
});
