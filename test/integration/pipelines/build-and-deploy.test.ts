import { join } from 'node:path';
import { getDeployment, type KubeClient } from '../../../steps/lib/kube/index.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { gitRepositoryOf, type GitRepository } from '../../helpers/git-repo.js';
import { runPipeline, statuses, taskOf, type PipelineRun } from '../../helpers/pipeline-run.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { registryState } from '../../helpers/registry-state.js';
import { createSeeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { deployStable, imageOf, replicasOf, replicasOrZero } from '../canary/fixtures.js';
import {
  pushSampleAppBase,
  QUICK_CANARY,
  SAMPLE_APP,
  TRIVY_REPLAY,
  trivyReport,
  webhookSecret,
  type SampleBase,
} from './environment.js';

// pipelines/build-and-deploy.yaml run whole by `image-lifecycle run` (host mode): a real git origin, buildah, a
// distribution registry, the Kubernetes test server with a running app, and a webhook receiver for notify.

jest.setTimeout(240_000);

let registry: TestRegistry;
let cluster: TestCluster;
let client: KubeClient;
let webhook: WebhookReceiver;
let base: SampleBase;
let repo: GitRepository;
let secret: string;
const APP = 'web';

beforeAll(async () => {
  const dir = makeTempDir('pipeline-bd');
  [registry, cluster, webhook] = await Promise.all([
    startRegistry({ auth: 'none' }),
    startTestCluster({ crashLoopBackOff: { initialMs: 200, maxMs: 1000 } }),
    startWebhookReceiver(),
  ]);
  client = cluster.client();
  secret = webhookSecret(join(dir, 'secret'), webhook.url('/hook'));
  [base, repo] = await Promise.all([
    pushSampleAppBase(registry, dir),
    gitRepositoryOf(SAMPLE_APP, join(dir, 'origin')),
  ]);
  await deployStable(client, cluster.namespace, APP, `${registry.host}/demo/base@${base.digest}`);
}, 180_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), cluster?.stop(), webhook?.close()]);
});

/** A push to main of the sample app, deployed as a canary of `web`; the scan replays `report`. */
function buildAndDeploy(report: Parameters<typeof trivyReport>[0]): Promise<PipelineRun> {
  webhook.reset();
  return runPipeline('pipelines/build-and-deploy.yaml', {
    params: {
      GIT_URL: repo.url,
      GIT_REF: 'refs/heads/main',
      IMAGE_REPOSITORY: `${registry.host}/shop/web`,
      APP_NAME: APP,
      BUILD_ARGS: JSON.stringify([`BASE_IMAGE=${base.reference}`]),
      CACHE_REPOSITORY: `${registry.host}/shop/web-cache`,
      DEPLOYMENT: APP,
      NAMESPACE: cluster.namespace,
      CANARY_STEPS: QUICK_CANARY,
      NOTIFY_TARGET: 'webhook',
    },
    workspaces: { source: 'temp' },
    secrets: { 'notify-webhook': secret },
    hostTools: { trivy: TRIVY_REPLAY },
    flags: ['--namespace', cluster.namespace],
    env: { KUBECONFIG: cluster.kubeconfigPath, TRIVY_REPLAY_REPORT: trivyReport(report) },
  });
}

const stableImage = async () => imageOf(await getDeployment(client, APP, cluster.namespace));

/** The one message the webhook got, as JSON. */
function message(): Record<string, unknown> {
  expect(webhook.requests).toHaveLength(1);
  return JSON.parse(webhook.requests[0]?.body ?? '{}') as Record<string, unknown>;
}

test('a push to main is built, scanned, tagged, verified and rolled out as a canary to 100%; notify reports it', async () => {
  const { code, record, log } = await buildAndDeploy('trivy-clean.json');
  expect(log).not.toMatch(/\] ERROR/);
  expect(code).toBe(0);
  // No PROMOTE_ENVIRONMENT: promote is skipped, so the run is Completed rather than Succeeded.
  expect(record?.status).toBe('Completed');
  expect(statuses(record)).toEqual({
    'fetch-source': 'Succeeded',
    build: 'Succeeded',
    scan: 'Succeeded',
    tag: 'Succeeded',
    verify: 'Succeeded',
    canary: 'Succeeded',
    promote: 'Skipped',
    'rollback-if-needed': 'Skipped',
    notify: 'Skipped',
    'notify-success': 'Succeeded',
    'push-metrics': 'Skipped',
    'push-metrics-success': 'Skipped',
  });
  const digest = (await createSeeder(registry).getManifest('shop/web', 'dev'))?.digest;
  const image = `${registry.host}/shop/web@${digest}`;
  expect(record?.results).toMatchObject({
    IMAGE_URL: expect.stringMatching(new RegExp(`^${registry.host}/shop/web:build-[0-9a-f-]{36}$`)),
    IMAGE_DIGEST: digest,
    'CHAINS-GIT_URL': repo.url,
    'CHAINS-GIT_COMMIT': repo.commit,
    TAGS: `sha-${repo.commit.slice(0, 7)},main,dev`,
    CANARY_RESULT: `promoted: ${image}`,
  });
  expect(JSON.parse(String(record?.results.SCAN_SUMMARY))).toMatchObject({ verdict: 'pass', digest });
  expect(taskOf(record, 'verify').results.PINNED_IMAGE).toBe(image);
  // The cluster runs the new image on the stable Deployment, back at full size, the canary scaled away.
  expect(await stableImage()).toBe(image);
  expect(await replicasOf(client, APP)).toBe(2);
  expect(await replicasOrZero(client, `${APP}-canary`)).toBe(0);
  expect(message()).toMatchObject({ status: 'Completed', image: { digest } });
});

test('a scan gate that says no: tag, verify, canary and promote are skipped, notify reports the failure, nothing is rolled back', async () => {
  const before = await stableImage();
  const tagsBefore = Object.keys((await registryState(registry))['shop/web'] ?? {});
  const { code, record } = await buildAndDeploy('trivy-linux-amd64.json');
  expect(code).toBe(1);
  expect(record?.status).toBe('Failed');
  expect(taskOf(record, 'scan')).toMatchObject({ status: 'Failed', reason: 'Failed' });
  for (const name of ['tag', 'verify', 'canary', 'promote'])
    expect(taskOf(record, name)).toMatchObject({ status: 'Skipped', reason: 'PipelineRun was stopping' });
  // The run failed, so the finally rollback runs; the canary never started, so it has nothing to undo.
  const rollback = taskOf(record, 'rollback-if-needed');
  expect(rollback.status).toBe('Succeeded');
  expect(String(rollback.results.ROLLBACK_RESULT)).toMatch(/^nothing-to-do: /);
  expect(taskOf(record, 'notify').status).toBe('Succeeded');
  expect(taskOf(record, 'notify-success').status).toBe('Skipped');
  expect(Object.keys(record?.results ?? {}).sort()).toEqual([
    'CHAINS-GIT_COMMIT',
    'CHAINS-GIT_URL',
    'IMAGE_DIGEST',
    'IMAGE_URL',
  ]);
  expect(message()).toMatchObject({ status: 'Failed', failedTasks: ['scan'] });
  expect(await stableImage()).toBe(before);
  // Only the build's own tag and the blocked report attached to it (the referrers fallback tag) were added:
  // nothing was tagged for release or for an environment.
  const added = Object.keys((await registryState(registry))['shop/web'] ?? {}).filter(
    (t) => !tagsBefore.includes(t),
  );
  expect(added.sort()).toEqual([
    String(record?.results.IMAGE_URL).split(':').pop(),
    String(record?.results.IMAGE_DIGEST).replace(':', '-'),
  ]);
});

test('a canary whose pods crash is aborted: finally runs rollback-if-needed and notify, the app keeps its image', async () => {
  const before = await stableImage();
  const unscript = cluster.server?.script({
    podSelector: 'track=canary',
    crash: { afterMs: 0, exitCode: 2 },
  });
  let run: PipelineRun;
  try {
    run = await buildAndDeploy('trivy-clean.json');
  } finally {
    unscript?.();
  }
  const { code, record } = run;
  expect(code).toBe(1);
  expect(record?.status).toBe('Failed');
  expect(taskOf(record, 'canary')).toMatchObject({ status: 'Failed' });
  expect(String(taskOf(record, 'canary').results.CANARY_RESULT)).toMatch(/^aborted: /);
  expect(taskOf(record, 'promote').status).toBe('Skipped');
  const rollback = taskOf(record, 'rollback-if-needed');
  expect(rollback.status).toBe('Succeeded');
  expect(String(rollback.results.ROLLBACK_RESULT)).toMatch(/^(rolled-back|nothing-to-do): /);
  expect(taskOf(record, 'notify').status).toBe('Succeeded');
  expect(message()).toMatchObject({ status: 'Failed', failedTasks: ['canary'] });
  expect(await stableImage()).toBe(before);
  expect(await replicasOrZero(client, `${APP}-canary`)).toBe(0);
});
