import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runPipeline, statuses, type PipelineRun } from '../../helpers/pipeline-run.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { registryState, type RegistryState } from '../../helpers/registry-state.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

// pipelines/registry-maintenance.yaml run whole by `image-lifecycle run` (host mode) in its default dry run, with
// examples/retention-policy.yaml: health, a backup to a second registry, the retention plan (the cluster's
// workloads protect what they run), the compliance report and the base-image check. Nothing may be deleted.

jest.setTimeout(180_000);

let source: TestRegistry;
let backup: TestRegistry;
let cluster: TestCluster;
let reports: string;
let before: RegistryState;
let run: PipelineRun;

interface PlanEntry {
  repository: string;
  tag?: string;
  action: string;
  reasons: string[];
}

beforeAll(async () => {
  [source, backup, cluster] = await Promise.all([
    startRegistry({ auth: 'none' }),
    startRegistry({ auth: 'none' }),
    startTestCluster(),
  ]);
  reports = makeTempDir('pipeline-maintenance');
  const seeder = createSeeder(source);
  // Twelve previews from January 2025: the policy keeps the 10 newest non-version tags, so pr-1 and pr-2 are
  // beyond it; pr-1 still runs in the cluster.
  for (let n = 1; n <= 12; n += 1)
    await seeder.pushImage({
      repo: 'shop/api',
      tag: `pr-${n}`,
      layers: [tarArchive({ 'preview.txt': `${n}\n` })],
      config: { created: `2025-01-${String(n).padStart(2, '0')}T12:00:00Z` },
    });
  const release = await seeder.pushImage({ repo: 'shop/api', tag: '1.0.0' });
  await seeder.putRawManifest('shop/api', 'prod', release.body, release.mediaType);
  await cluster.client().apps.createNamespacedDeployment({
    namespace: cluster.namespace,
    body: {
      metadata: { name: 'preview-1' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'preview-1' } },
        template: {
          metadata: { labels: { app: 'preview-1' } },
          spec: { containers: [{ name: 'app', image: `${source.host}/shop/api:pr-1` }] },
        },
      },
    },
  });
  before = await registryState(source);
  run = await runPipeline('pipelines/registry-maintenance.yaml', {
    params: {
      REGISTRY: source.host,
      POLICY_FILE: 'retention-policy.yaml',
      PLAN_FILE: '/workspace/reports/retention-plan.json',
      HEALTH_CANARY_IMAGE: 'shop/api:1.0.0',
      STORAGE_REPOSITORIES: '*',
      BACKUP_REGISTRY: backup.host,
      BACKUP_REPOSITORIES: 'shop/api',
      COMPLIANCE_REPOSITORIES: `${source.host}/shop/api`,
      BASE_IMAGE_REPOSITORIES: 'shop/*',
      BASE_IMAGE_TAGS: 'prod',
    },
    workspaces: { policy: join(REPO_ROOT, 'examples'), reports },
    flags: ['--namespace', cluster.namespace],
    env: { KUBECONFIG: cluster.kubeconfigPath },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([source?.stop(), backup?.stop(), cluster?.stop()]);
});

test('every task runs and the run succeeds (DRY_RUN defaults to "true")', () => {
  expect(run.log).not.toMatch(/\] ERROR/);
  expect(run).toExitWith(0);
  expect(statuses(run.record)).toEqual({
    health: 'Succeeded',
    backup: 'Succeeded',
    retention: 'Succeeded',
    compliance: 'Succeeded',
    'base-images': 'Succeeded',
    'push-metrics': 'Skipped',
    notify: 'Skipped',
  });
  expect(String(run.record?.results.HEALTH_SUMMARY)).toMatch(/^healthy; /);
});

test('the dry run plans deletions and deletes nothing: the registry is the same before and after', async () => {
  expect(JSON.parse(String(run.record?.results.RETENTION_SUMMARY))).toMatchObject({
    dryRun: true,
    policy: 'adr-0033',
    tagsDeleted: 1,
  });
  expect(await registryState(source)).toEqual(before);
  const plan = JSON.parse(readFileSync(join(reports, 'retention-plan.json'), 'utf8')) as {
    decisions?: PlanEntry[];
  };
  const entry = (tag: string) => plan.decisions?.find((e) => e.repository === 'shop/api' && e.tag === tag);
  expect(entry('pr-2')?.action).toBe('delete');
  expect(entry('pr-1')).toMatchObject({ action: 'keep' });
  expect(entry('pr-1')?.reasons.join(' ')).toMatch(/in use/);
});

test('the backup copies the repository to the backup registry; compliance and base-image reports are written', async () => {
  const copied = (await registryState(backup))['shop/api'] ?? {};
  expect(copied.prod).toBe(before['shop/api']?.prod);
  expect(copied['1.0.0']).toBe(before['shop/api']?.['1.0.0']);
  expect(String(run.record?.results.BACKUP_SUMMARY)).toMatch(/^1 repositories, 14 tags \(14 new/);
  // The release was never scanned: the report says so (and, FAIL_ON_NONCOMPLIANT being "false", only says so).
  expect(JSON.parse(String(run.record?.results.COMPLIANCE_SUMMARY))).toMatchObject({
    productionUnscanned: 1,
  });
  expect(existsSync(join(reports, 'compliance', 'compliance-report.html'))).toBe(true);
  expect(String(run.record?.results.BASE_IMAGE_SUMMARY)).toMatch(/^1 images: /);
});
