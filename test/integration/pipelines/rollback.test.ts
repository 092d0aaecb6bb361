import { join } from 'node:path';
import {
  getDeployment,
  patchDeployment,
  waitForRollout,
  type KubeClient,
} from '../../../steps/lib/kube/index.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { runPipeline, statuses, taskOf, type PipelineRun } from '../../helpers/pipeline-run.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { imageOf } from '../canary/fixtures.js';
import { webhookSecret } from './environment.js';

// pipelines/rollback.yaml run whole by `image-lifecycle run` (host mode) against the Kubernetes test server, whose
// kubelet pulls from a real registry: a rollback by revision, then one to an image the registry no longer has.

jest.setTimeout(180_000);

let registry: TestRegistry;
let cluster: TestCluster;
let client: KubeClient;
let webhook: WebhookReceiver;
let secret: string;
const images: Record<'v1' | 'v2' | 'purged', string> = { v1: '', v2: '', purged: '' };

beforeAll(async () => {
  [registry, cluster, webhook] = await Promise.all([
    startRegistry({ auth: 'none' }),
    startTestCluster({ imagePullBackOff: { initialMs: 200, maxMs: 1000 } }),
    startWebhookReceiver(),
  ]);
  client = cluster.client();
  secret = webhookSecret(join(makeTempDir('pipeline-rollback'), 'secret'), webhook.url('/hook'));
  const seeder = createSeeder(registry);
  for (const version of ['v1', 'v2', 'purged'] as const) {
    const pushed = await seeder.pushImage({
      repo: 'shop/orders',
      tag: version,
      layers: [tarArchive({ 'version.txt': `${version}\n` })],
    });
    images[version] = `${registry.host}/shop/orders@${pushed.digest}`;
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), cluster?.stop(), webhook?.close()]);
});

/** A Deployment that ran `from` and now runs `to` (revisions 1 and 2). */
async function deployedTwice(name: string, from: string, to: string): Promise<void> {
  const labels = { app: name };
  await client.apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 2,
        // A rollout that makes no progress for 2s is failed, as a real controller does after its deadline.
        progressDeadlineSeconds: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          // Every pod start pulls, so the registry (not the node's image cache) decides whether it runs.
          spec: { containers: [{ name: 'app', image: from, imagePullPolicy: 'Always' }] },
        },
      },
    },
  });
  for (const image of [from, to]) {
    if (image === to)
      await patchDeployment(client, name, 'strategic', {
        spec: { template: { spec: { containers: [{ name: 'app', image: to }] } } },
      });
    const rollout = await waitForRollout(client, name, { timeoutMs: 30_000, intervalMs: 50 });
    if (rollout.outcome !== 'done') throw new Error(`${name} did not roll out ${image}: ${rollout.message}`);
  }
}

function rollback(deployment: string): Promise<PipelineRun> {
  webhook.reset();
  return runPipeline('pipelines/rollback.yaml', {
    params: {
      DEPLOYMENT: deployment,
      NAMESPACE: cluster.namespace,
      MODE: 'revision',
      NOTIFY_TARGET: 'webhook',
    },
    workspaces: { reports: 'temp' },
    secrets: { 'notify-webhook': secret },
    flags: ['--namespace', cluster.namespace],
    env: { KUBECONFIG: cluster.kubeconfigPath },
  });
}

const running = async (name: string) => imageOf(await getDeployment(client, name));

test('back to the previous revision: rolled out, every pod pulls, notify says so', async () => {
  await deployedTwice('orders', images.v1, images.v2);
  const { code, record, log } = await rollback('orders');
  expect(log).not.toMatch(/\] ERROR/);
  expect(code).toBe(0);
  expect(statuses(record)).toEqual({ rollback: 'Succeeded', 'check-pods': 'Succeeded', notify: 'Succeeded' });
  expect(record?.results).toMatchObject({
    ROLLBACK_RESULT: expect.stringMatching(/^rolled-back: /),
    ROLLED_BACK_IMAGES: `app=${images.v1}`,
    PULL_FAILURES: '0',
  });
  expect(await running('orders')).toBe(images.v1);
  expect(JSON.parse(webhook.requests[0]?.body ?? '{}')).toMatchObject({ status: 'Succeeded' });
});

test('back to an image the registry no longer has: the run fails with the pull diagnosis, notify reports it', async () => {
  await deployedTwice('payments', images.purged, images.v2);
  await createSeeder(registry).http.expect(
    [202],
    'DELETE',
    `/v2/shop/orders/manifests/${images.purged.split('@')[1]}`,
    { scope: 'repository:shop/orders:delete' },
  );
  const { code, record } = await rollback('payments');
  expect(code).toBe(1);
  expect(record?.status).toBe('Failed');
  expect(taskOf(record, 'rollback').status).toBe('Failed');
  // The rolling update surged one pod of the old template, which cannot pull; the other two still run v2.
  expect(taskOf(record, 'check-pods')).toMatchObject({
    status: 'Failed',
    results: { PULL_FAILURES: '1', FAILURE_CATEGORY: 'not-found' },
  });
  // As in Tekton, a failed task's results are not emitted as pipeline results; the TaskRun has them.
  expect(record?.results).not.toHaveProperty('PULL_FAILURES');
  expect(JSON.parse(webhook.requests[0]?.body ?? '{}')).toMatchObject({ status: 'Failed' });
});
