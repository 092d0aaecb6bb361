import type { V1Deployment } from '@kubernetes/client-node';
import { ExitCode } from '../../../steps/lib/errors.js';
import {
  eventsFor,
  getDeployment,
  KubeConflictError,
  listPods,
  KubeInvalidError,
  patchDeployment,
  replicaSetsFor,
  revisionOf,
  updateDeployment,
  waitForRollout,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { onTestServer, startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';

let cluster: TestCluster;
let client: KubeClient;

beforeAll(async () => {
  cluster = await startTestCluster({ imagePullBackOff: { initialMs: 200, maxMs: 1000 } });
  client = cluster.client();
});
afterAll(() => cluster.stop());

function deploymentBody(
  name: string,
  image: string,
  replicas = 0,
  extra: Partial<V1Deployment['spec']> = {},
): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image, env: [{ name: 'MODE', value: 'a' }] },
            { name: 'proxy', image: 'registry.invalid/proxy:v1' },
          ],
        },
      },
      ...extra,
    },
  };
}

async function createDeployment(
  name: string,
  image = 'registry.invalid/app:v1',
  replicas = 0,
  extra: Partial<V1Deployment['spec']> = {},
) {
  return client.apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: deploymentBody(name, image, replicas, extra),
  });
}

const containers = (d: V1Deployment) => d.spec?.template.spec?.containers ?? [];

describe('reading and patching a Deployment (replicas 0: no pods needed)', () => {
  test('get returns the stored object', async () => {
    await createDeployment('read-me');
    const d = await getDeployment(client, 'read-me');
    expect(d.metadata?.namespace).toBe(cluster.namespace);
    expect(containers(d).map((c) => c.name)).toEqual(['app', 'proxy']);
  });

  test('a strategic merge patch merges containers and env by name', async () => {
    await createDeployment('smp');
    const d = await patchDeployment(client, 'smp', 'strategic', {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'registry.invalid/app:v2', env: [{ name: 'EXTRA', value: 'b' }] },
            ],
          },
        },
      },
    });
    expect(containers(d).map((c) => `${c.name}=${c.image}`)).toEqual([
      'app=registry.invalid/app:v2',
      'proxy=registry.invalid/proxy:v1',
    ]);
    expect(containers(d)[0]?.env).toEqual([
      { name: 'MODE', value: 'a' },
      { name: 'EXTRA', value: 'b' },
    ]);
  });

  test('a merge patch replaces lists whole: the same body drops the images and is refused as invalid', async () => {
    await createDeployment('merge');
    const labelled = await patchDeployment(client, 'merge', 'merge', {
      metadata: { labels: { team: 'payments' } },
    });
    expect(labelled.metadata?.labels).toEqual({ team: 'payments' });
    const err = await patchDeployment(client, 'merge', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'app', env: [] }] } } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeInvalidError);
    expect((err as KubeInvalidError).exitCode).toBe(ExitCode.usage);
    expect((err as Error).message).toMatch(
      /^patch deployments\.apps "merge" in namespace "kt-[0-9a-f]+": rejected as invalid: .*spec\.template\.spec\.containers\[0\]\.image: Required value/,
    );
  });

  test('a JSON patch applies operations in order, and a failed test operation refuses the whole patch', async () => {
    await createDeployment('jsonp');
    const d = await patchDeployment(client, 'jsonp', 'json', [
      { op: 'test', path: '/spec/template/spec/containers/1/name', value: 'proxy' },
      { op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'registry.invalid/proxy:v2' },
      { op: 'add', path: '/metadata/annotations', value: { 'example.com/by': 'test' } },
    ]);
    expect(containers(d)[1]?.image).toBe('registry.invalid/proxy:v2');
    expect(d.metadata?.annotations?.['example.com/by']).toBe('test');
    await expect(
      patchDeployment(client, 'jsonp', 'json', [{ op: 'test', path: '/spec/replicas', value: 5 }]),
    ).rejects.toBeInstanceOf(KubeInvalidError);
  });

  test('a concurrent writer makes the update re-read and apply its change on top', async () => {
    await createDeployment('contended');
    let rounds = 0;
    const d = await updateDeployment(client, 'contended', async (current) => {
      rounds++;
      // Another writer changes the object after we read it: our write must fail with 409 and be redone.
      if (rounds === 1)
        await patchDeployment(client, 'contended', 'merge', { metadata: { labels: { other: 'writer' } } });
      current.metadata = { ...current.metadata, labels: { ...current.metadata?.labels, mine: 'yes' } };
      return current;
    });
    expect(rounds).toBe(2);
    expect(d.metadata?.labels).toEqual({ other: 'writer', mine: 'yes' });
  });

  test('a conflict that never clears gives up after the allowed attempts with exit 3', async () => {
    await createDeployment('hot');
    let rounds = 0;
    const err = await updateDeployment(
      client,
      'hot',
      async (current) => {
        rounds++;
        await patchDeployment(client, 'hot', 'merge', {
          metadata: { annotations: { round: String(rounds) } },
        });
        return current;
      },
      cluster.namespace,
      { attempts: 3 },
    ).catch((e: unknown) => e);
    expect(rounds).toBe(3);
    expect(err).toBeInstanceOf(KubeConflictError);
    expect((err as KubeConflictError).exitCode).toBe(ExitCode.infra);
    expect((err as Error).message).toMatch(
      /^update deployments\.apps "hot" .*: conflict: Operation cannot be fulfilled .* \(still conflicting after 3 attempts\)$/,
    );
  });
});

onTestServer('rollout status of Deployments whose pods must become ready', () => {
  describe('rollouts', () => {
    let registry: TestRegistry;

    beforeAll(async () => {
      registry = await startRegistry({ auth: 'none' });
      const seeder = createSeeder(registry);
      await seeder.pushImage({ repo: 'shop/web', tag: 'v1' });
      await seeder.pushImage({ repo: 'shop/web', tag: 'v2' });
      await seeder.pushImage({ repo: 'shop/proxy', tag: 'v1' });
    });
    afterAll(() => registry.stop());

    test('a rollout reaches done; a new template gets revision 2 and the old ReplicaSet goes to zero', async () => {
      await client.apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'web' },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v1` }] },
            },
          },
        },
      });
      const progress: string[] = [];
      const first = await waitForRollout(client, 'web', {
        timeoutMs: 30_000,
        intervalMs: 50,
        onProgress: (m) => progress.push(m),
      });
      expect(first).toMatchObject({
        outcome: 'done',
        state: 'done',
        message: 'deployment "web" successfully rolled out',
      });
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.some((m) => m.startsWith('Waiting for deployment'))).toBe(true);

      await patchDeployment(client, 'web', 'strategic', {
        spec: {
          template: { spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v2` }] } },
        },
      });
      const second = await waitForRollout(client, 'web', { timeoutMs: 30_000, intervalMs: 50 });
      expect(second.outcome).toBe('done');
      expect(second.deployment.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
      expect(second.deployment.status).toMatchObject({
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 3,
      });

      const sets = await replicaSetsFor(client, second.deployment);
      expect(
        sets.map((rs) => [revisionOf(rs), rs.spec?.replicas, rs.spec?.template?.spec?.containers[0]?.image]),
      ).toEqual([
        [2, 3, `${registry.host}/shop/web:v2`],
        [1, 0, `${registry.host}/shop/web:v1`],
      ]);
      expect(sets[0]?.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
      expect(sets[0]?.spec?.selector.matchLabels?.['pod-template-hash']).toBe(
        sets[0]?.metadata?.name?.slice('web-'.length),
      );
    });

    test('going back to an earlier template reuses its ReplicaSet under the next revision', async () => {
      await patchDeployment(client, 'web', 'strategic', {
        spec: {
          template: { spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v1` }] } },
        },
      });
      const back = await waitForRollout(client, 'web', { timeoutMs: 30_000, intervalMs: 50 });
      expect(back.outcome).toBe('done');
      expect(back.deployment.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
      const sets = await replicaSetsFor(client, back.deployment);
      expect(sets).toHaveLength(2);
      expect(sets[0]?.spec?.template?.spec?.containers[0]?.image).toBe(`${registry.host}/shop/web:v1`);
      expect(sets[0]?.metadata?.annotations).toMatchObject({
        'deployment.kubernetes.io/revision': '3',
        'deployment.kubernetes.io/revision-history': '1',
      });
    });

    test('deleting a Deployment takes its ReplicaSets and pods with it', async () => {
      const web = await getDeployment(client, 'web');
      await client.apps.deleteNamespacedDeployment({ name: 'web', namespace: cluster.namespace });
      await eventually('the ReplicaSets and pods of web to go', async () => {
        const [sets, pods] = await Promise.all([
          replicaSetsFor(client, web),
          listPods(client, { labelSelector: 'app=web' }),
        ]);
        return sets.length === 0 && pods.length === 0 ? true : undefined;
      });
    });

    test('Recreate scales the old ReplicaSet to zero before the new one starts; history is pruned to the limit', async () => {
      await client.apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'recreated' },
          spec: {
            replicas: 2,
            revisionHistoryLimit: 1,
            strategy: { type: 'Recreate' },
            selector: { matchLabels: { app: 'recreated' } },
            template: {
              metadata: { labels: { app: 'recreated' } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v1` }] },
            },
          },
        },
      });
      expect((await waitForRollout(client, 'recreated', { timeoutMs: 30_000, intervalMs: 50 })).outcome).toBe(
        'done',
      );
      for (const tag of ['v2', 'v1', 'v2']) {
        await patchDeployment(client, 'recreated', 'strategic', {
          spec: {
            template: {
              metadata: { annotations: { round: tag + Date.now() } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:${tag}` }] },
            },
          },
        });
        expect(
          (await waitForRollout(client, 'recreated', { timeoutMs: 30_000, intervalMs: 50 })).outcome,
        ).toBe('done');
      }
      const d = await getDeployment(client, 'recreated');
      const sets = await replicaSetsFor(client, d);
      expect(sets.map((rs) => [revisionOf(rs), rs.spec?.replicas])).toEqual([
        [4, 2],
        [3, 0],
      ]);
      const scaling = (await eventsFor(client, { kind: 'Deployment', name: 'recreated' }))
        .filter((e) => e.reason === 'ScalingReplicaSet')
        .map((e) => e.message ?? '');
      // Recreate: every scale-down to 0 comes before the scale-up of the next ReplicaSet.
      const [down, up] = [
        scaling.findIndex((m) => / from 2 to 0$/.test(m)),
        scaling.findIndex((m, i) => i > 0 && / from 0 to 2$/.test(m)),
      ];
      expect(down).toBeGreaterThanOrEqual(0);
      expect(up).toBeGreaterThan(down);
    });

    test('a paused Deployment does not roll out a new template until resumed', async () => {
      await client.apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'paused' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'paused' } },
            template: {
              metadata: { labels: { app: 'paused' } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v1` }] },
            },
          },
        },
      });
      expect((await waitForRollout(client, 'paused', { timeoutMs: 30_000, intervalMs: 50 })).outcome).toBe(
        'done',
      );
      await patchDeployment(client, 'paused', 'merge', { spec: { paused: true } });
      await patchDeployment(client, 'paused', 'strategic', {
        spec: {
          template: { spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:v2` }] } },
        },
      });
      const held = await eventually('the paused condition', async () => {
        const d = await getDeployment(client, 'paused');
        return d.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused')
          ? d
          : undefined;
      });
      expect(held.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
      expect((await replicaSetsFor(client, held)).length).toBe(1);
      await patchDeployment(client, 'paused', 'merge', { spec: { paused: false } });
      const resumed = await waitForRollout(client, 'paused', { timeoutMs: 30_000, intervalMs: 50 });
      expect(resumed.outcome).toBe('done');
      expect(resumed.deployment.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    });

    test('a rollout whose image cannot be pulled fails with ProgressDeadlineExceeded', async () => {
      await client.apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'broken' },
          spec: {
            replicas: 2,
            progressDeadlineSeconds: 2,
            selector: { matchLabels: { app: 'broken' } },
            template: {
              metadata: { labels: { app: 'broken' } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:missing` }] },
            },
          },
        },
      });
      const result = await waitForRollout(client, 'broken', { timeoutMs: 30_000, intervalMs: 100 });
      expect(result).toMatchObject({
        outcome: 'failed',
        message: 'deployment "broken" exceeded its progress deadline',
      });
      const progressing = result.deployment.status?.conditions?.find((c) => c.type === 'Progressing');
      expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
      expect(progressing?.message).toMatch(/^ReplicaSet "broken-[a-z0-9]+" has timed out progressing\.$/);
    });

    test('a rollout that times out on our side says so, with the last kubectl message', async () => {
      await client.apps.createNamespacedDeployment({
        namespace: cluster.namespace,
        body: {
          metadata: { name: 'slow' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'slow' } },
            template: {
              metadata: { labels: { app: 'slow' } },
              spec: { containers: [{ name: 'web', image: `${registry.host}/shop/web:absent` }] },
            },
          },
        },
      });
      const result = await waitForRollout(client, 'slow', { timeoutMs: 300, intervalMs: 50 });
      expect(result.outcome).toBe('timeout');
      expect(result.message).toMatch(/^Waiting for deployment/);
    });
  });
});
