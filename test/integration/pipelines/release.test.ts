import { join } from 'node:path';
import { gitRepositoryOf, type GitRepository } from '../../helpers/git-repo.js';
import { runPipeline, statuses, taskOf, type PipelineRun } from '../../helpers/pipeline-run.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { registryState } from '../../helpers/registry-state.js';
import { createSeeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { SAMPLE_APP, TRIVY_REPLAY, trivyReport } from './environment.js';

// pipelines/release.yaml run whole by `image-lifecycle run` (host mode) with BUILD "false": the release of an
// image already built (the build task is the same image-build the build-and-deploy test runs), then the approval
// for prod as a second run of the same release, then an attempt to release other bits under the same version.

jest.setTimeout(180_000);

let registry: TestRegistry;
let repo: GitRepository;
const digests: Record<'rc1' | 'rc2', string> = { rc1: '', rc2: '' };

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  repo = await gitRepositoryOf(SAMPLE_APP, join(makeTempDir('pipeline-release'), 'origin'), 'v1.2.0');
  const seeder = createSeeder(registry);
  for (const rc of ['rc1', 'rc2'] as const)
    digests[rc] = (
      await seeder.pushImage({ repo: 'shop/api', tag: rc, layers: [tarArchive({ 'app.txt': `${rc}\n` })] })
    ).digest;
}, 60_000);

afterAll(async () => {
  await registry?.stop();
});

function release(image: string, promoteToProd: boolean): Promise<PipelineRun> {
  return runPipeline('pipelines/release.yaml', {
    params: {
      GIT_URL: repo.url,
      GIT_REVISION: 'v1.2.0',
      GIT_REF: 'refs/tags/v1.2.0',
      IMAGE: image,
      IMAGE_REPOSITORY: `${registry.host}/shop/api`,
      BUILD: 'false',
      PROMOTE_TO_PROD: String(promoteToProd),
      ACTOR: 'release-manager',
    },
    workspaces: { source: 'temp' },
    hostTools: { trivy: TRIVY_REPLAY },
    env: { TRIVY_REPLAY_REPORT: trivyReport('trivy-clean.json') },
  });
}

const tags = async () => (await registryState(registry))['shop/api'] ?? {};

test('a v1.2.0 release: resolved once, scanned, version tags, verified, promoted to staging but not prod', async () => {
  const { code, record, log } = await release(`${registry.host}/shop/api:rc1`, false);
  expect(log).not.toMatch(/\] ERROR/);
  expect(code).toBe(0);
  expect(record?.status).toBe('Completed');
  expect(statuses(record)).toMatchObject({
    'fetch-source': 'Succeeded',
    build: 'Skipped',
    resolve: 'Succeeded',
    scan: 'Succeeded',
    tag: 'Succeeded',
    verify: 'Succeeded',
    'promote-staging': 'Succeeded',
    'promote-prod': 'Skipped',
  });
  expect(record?.results).toMatchObject({
    IMAGE_DIGEST: digests.rc1,
    'CHAINS-GIT_COMMIT': repo.commit,
    VERSION: '1.2.0',
    TAGS: `1.2.0,1.2.0-${repo.commit.slice(0, 7)},1.2,1,latest`,
    STAGING_PREVIOUS_DIGEST: '',
  });
  expect(record?.results).not.toHaveProperty('PROD_PREVIOUS_DIGEST');
  expect(await tags()).toMatchObject({
    '1.2.0': digests.rc1,
    '1.2': digests.rc1,
    latest: digests.rc1,
    staging: digests.rc1,
  });
  expect(await tags()).not.toHaveProperty('prod');
});

test('the approval, a second run by digest with PROMOTE_TO_PROD: the version tags are a no-op, prod moves', async () => {
  const before = await tags();
  const { code, record } = await release(`${registry.host}/shop/api@${digests.rc1}`, true);
  expect(code).toBe(0);
  expect(taskOf(record, 'promote-prod')).toMatchObject({
    status: 'Succeeded',
    results: { PROMOTED_DIGEST: digests.rc1, PREVIOUS_DIGEST: '' },
  });
  expect(record?.results).toMatchObject({
    IMAGE_DIGEST: digests.rc1,
    STAGING_PREVIOUS_DIGEST: digests.rc1,
    PROD_PREVIOUS_DIGEST: '',
  });
  expect(taskOf(record, 'tag').results.TAGS_CHANGED).toBe('');
  const after = await tags();
  expect(after.prod).toBe(digests.rc1);
  for (const tag of ['1.2.0', '1.2', '1', 'latest', 'staging']) expect(after[tag]).toBe(before[tag]);
});

test('other bits under a released version: the immutable 1.2.0 refuses them, nothing is promoted', async () => {
  const before = await tags();
  const { code, record } = await release(`${registry.host}/shop/api:rc2`, true);
  expect(code).toBe(1);
  expect(record?.status).toBe('Failed');
  expect(taskOf(record, 'tag').status).toBe('Failed');
  for (const name of ['verify', 'promote-staging', 'promote-prod'])
    expect(taskOf(record, name).status).toBe('Skipped');
  const after = await tags();
  for (const tag of ['1.2.0', 'staging', 'prod']) expect(after[tag]).toBe(before[tag]);
});
