import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ExitCode, InfraError } from '../../../steps/lib/errors.js';
import {
  createKubeClient,
  getConfigMap,
  getDeployment,
  getService,
  KubeForbiddenError,
  KubeUnauthorizedError,
  patchConfigMap,
  patchDeployment,
  patchService,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { clusterKind, startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { freePort } from '../../helpers/ports.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

let cluster: TestCluster;
let client: KubeClient;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  dir = makeTempDir('kube-access');
  await client.apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: {
      metadata: { name: 'guarded' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'g' } },
        template: {
          metadata: { labels: { app: 'g' } },
          spec: { containers: [{ name: 'c', image: 'registry.invalid/c:1' }] },
        },
      },
    },
  });
});
afterAll(async () => {
  removeTempDir(dir);
  await cluster.stop();
});

test('an identity whose Role does not allow patch gets a clear forbidden error, exit 2; what it may do works', async () => {
  const kubeconfig = await cluster.restrictedKubeconfig('reader', [
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
  ]);
  const reader = createKubeClient({ kubeconfig }, { retry: { retries: 0 } });
  expect((await getDeployment(reader, 'guarded')).metadata?.name).toBe('guarded');
  const err = await patchDeployment(reader, 'guarded', 'merge', { metadata: { labels: { a: 'b' } } }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KubeForbiddenError);
  expect((err as KubeForbiddenError).exitCode).toBe(ExitCode.usage);
  const identity = clusterKind === 'real' ? `system:serviceaccount:${cluster.namespace}:reader` : 'reader';
  expect((err as Error).message).toMatch(
    new RegExp(
      `^forbidden: cannot patch deployments\\.apps in namespace "${cluster.namespace}" as ${identity} \\(check the Role and RoleBinding for this identity\\): `,
    ),
  );
});

test('rejected credentials are an unauthorized error, exit 2', async () => {
  const config = yaml.load(readFileSync(cluster.kubeconfigPath, 'utf8')) as {
    users: Array<{ user: Record<string, unknown> }>;
  };
  for (const u of config.users) u.user = { token: 'not-a-valid-token' };
  const file = join(dir, 'bad-token');
  writeFileSync(file, yaml.dump(config));
  const err = await getDeployment(
    createKubeClient({ kubeconfig: file }, { retry: { retries: 0 } }),
    'guarded',
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KubeUnauthorizedError);
  expect((err as KubeUnauthorizedError).exitCode).toBe(ExitCode.usage);
  expect((err as Error).message).toMatch(
    /^unauthorized: the API server at \S+ rejected the credentials while trying to get deployments\.apps "guarded"/,
  );
});

test('an API server that cannot be reached is an infrastructure failure after retries, exit 3', async () => {
  const port = await freePort();
  const file = join(dir, 'nowhere');
  writeFileSync(
    file,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
      'current-context': 'c',
    }),
  );
  const warnings: string[] = [];
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => warnings.push(m),
    error: () => undefined,
    progress: () => undefined,
  };
  const err = await getDeployment(
    createKubeClient({ kubeconfig: file }, { retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 }, log }),
    'web',
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InfraError);
  expect((err as InfraError).exitCode).toBe(ExitCode.infra);
  expect((err as Error).message).toBe(
    `cannot reach the Kubernetes API at http://127.0.0.1:${port} to get deployments.apps "web" in namespace "shop": ECONNREFUSED (gave up after 3 attempts)`,
  );
  expect(warnings).toHaveLength(2);
});

test('Services and ConfigMaps read and patch through the same layer', async () => {
  await client.core.createNamespacedService({
    namespace: cluster.namespace,
    body: {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  await client.core.createNamespacedConfigMap({
    namespace: cluster.namespace,
    body: { metadata: { name: 'canary-state' }, data: { step: '0' } },
  });
  const svc = await patchService(client, 'web', 'strategic', {
    spec: { selector: { app: 'web', track: 'stable' } },
  });
  expect(svc.spec?.selector).toEqual({ app: 'web', track: 'stable' });
  expect((await getService(client, 'web')).spec?.ports?.[0]).toMatchObject({ port: 80, targetPort: 8080 });
  await patchConfigMap(client, 'canary-state', 'merge', { data: { step: '1', weight: '10' } });
  expect((await getConfigMap(client, 'canary-state')).data).toEqual({ step: '1', weight: '10' });
});
