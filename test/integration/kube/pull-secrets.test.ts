import { ExitCode } from '../../../steps/lib/errors.js';
import { KubeNotFoundError, pullSecretsFor, type KubeClient } from '../../../steps/lib/kube/index.js';
import { clearRegisteredSecrets, redact } from '../../../steps/lib/tekton/redact.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';

let cluster: TestCluster;
let client: KubeClient;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  const namespace = cluster.namespace;
  const secrets: Array<{ name: string; type: string; data: Record<string, string> }> = [
    {
      name: 'quay',
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64({ auths: { 'quay.io': { auth: basic('robot', 'quay-token-1') } } }) },
    },
    {
      name: 'internal',
      type: 'kubernetes.io/dockercfg',
      data: {
        '.dockercfg': b64({
          'image-registry.openshift-image-registry.svc:5000': {
            username: 'serviceaccount',
            password: 'sa-token-1',
          },
          'quay.io': { auth: basic('other', 'shadowed-pass') },
        }),
      },
    },
    { name: 'opaque', type: 'Opaque', data: { token: b64('x') } },
  ];
  for (const s of secrets)
    await client.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: s.name }, type: s.type, data: s.data },
    });
  await client.core.createNamespacedServiceAccount({
    namespace,
    body: {
      metadata: { name: 'deployer' },
      imagePullSecrets: [{ name: 'quay' }, { name: 'internal' }, { name: 'missing' }, { name: 'opaque' }],
    },
  });
});
afterAll(async () => {
  clearRegisteredSecrets();
  await cluster.stop();
});

test("a service account's pull secrets merge into one docker config; missing and unusable ones are listed", async () => {
  const lookup = await pullSecretsFor(client, 'deployer');
  expect(lookup.used).toEqual(['quay', 'internal']);
  expect(lookup.missing).toEqual(['missing']);
  expect(lookup.invalid).toEqual([
    {
      name: 'opaque',
      reason:
        'secret "opaque" is of type Opaque, not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
    },
  ]);
  expect(lookup.dockerConfig).toEqual({
    auths: {
      'quay.io': { auth: basic('robot', 'quay-token-1') },
      'image-registry.openshift-image-registry.svc:5000': {
        username: 'serviceaccount',
        password: 'sa-token-1',
      },
    },
  });
  expect(redact(`tokens quay-token-1 ${basic('robot', 'quay-token-1')} sa-token-1`)).toBe(
    'tokens *** *** ***',
  );
});

test('a service account that does not exist is NotFound, exit 2', async () => {
  const err = await pullSecretsFor(client, 'nobody').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeNotFoundError);
  expect((err as KubeNotFoundError).exitCode).toBe(ExitCode.usage);
  expect((err as Error).message).toBe(
    `get serviceaccounts "nobody" in namespace "${cluster.namespace}": not found: serviceaccounts "nobody" not found`,
  );
});

test('the default service account exists and has no pull secrets until given some', async () => {
  const lookup = await pullSecretsFor(client, 'default');
  expect(lookup).toMatchObject({ used: [], missing: [], invalid: [], dockerConfig: { auths: {} } });
});
