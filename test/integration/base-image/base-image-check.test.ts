import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { step as buildStep } from '../../../steps/build/main.js';
import { step } from '../../../steps/base-image-check/main.js';
import { BASE_DIGEST, BASE_NAME } from '../../../steps/lib/base-image/freshness.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { startTestCluster, type TestCluster } from '../../helpers/cluster.js';
import { buildImage, buildIndex, type Platform } from '../../helpers/image-content.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { buildStepStorageFlags, pushSampleBase, storageIn } from '../build/sample-base.js';

jest.setTimeout(240_000);

let registry: TestRegistry;
let seeder: Seeder;
let work: string;
const amd64: Platform = { os: 'linux', architecture: 'amd64' };
const arm64: Platform = { os: 'linux', architecture: 'arm64' };
/** Digests as they were when the images below were built. */
const was: Record<string, string> = {};

const labels = (name: string, digest: string) => ({ [BASE_NAME]: name, [BASE_DIGEST]: digest });
const ref = (repo: string, tag = '1') => `${registry.host}/${repo}:${tag}`;

/** An image whose manifest (not its config) carries the base annotations. */
async function pushAnnotated(repo: string, annotations: Record<string, string>): Promise<void> {
  const image = buildImage('oci', [tarArchive({ app: repo })]);
  for (const blob of [image.config, ...image.layers]) await seeder.pushBlob(repo, blob);
  const body = JSON.stringify({ ...JSON.parse(image.body.toString('utf8')), annotations });
  await seeder.putRawManifest(repo, '1', body, image.mediaType);
}

/** A two-platform image whose platform images each record the base's child for their platform. */
async function pushMultiArch(
  repo: string,
  baseName: string,
  childFor: (p: Platform) => string,
): Promise<void> {
  const children = [];
  for (const platform of [amd64, arm64]) {
    const image = await seeder.pushImage({
      repo,
      config: { ...platform, labels: labels(baseName, childFor(platform)) },
      layers: [tarArchive({ app: platform.architecture })],
    });
    children.push({ mediaType: image.mediaType, digest: image.digest, size: image.size, platform });
  }
  const index = buildIndex('oci', children);
  await seeder.putRawManifest(repo, '1', index.body, index.mediaType);
}

async function moveBase(repo: string, tag: string, content: string): Promise<void> {
  await seeder.pushImage({ repo, tag, layers: [tarArchive({ 'etc/os-release': content })] });
}

interface Report {
  rebuildNeeded: boolean;
  stale: Array<{
    image: string;
    digest: string;
    base: string;
    oldDigest: string;
    newDigest: string;
    newPlatformDigest?: string;
  }>;
  images: Array<{
    image: string;
    status: string;
    reason?: string;
    platforms: Array<{ status: string; reason?: string }>;
  }>;
}

async function check(argv: string[]) {
  const run = await runStepInProcess(step, [...argv, '--output', 'json']);
  if (run.code !== 0) throw new Error(`base-image-check exited ${run.code}: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as Report;
  const status = Object.fromEntries(
    report.images.map((i) => [i.image.slice(registry.host.length + 1), i.status]),
  );
  return { run, report, status };
}

const IMAGES = [
  'app/labels',
  'app/annotated',
  'app/on-index',
  'app/on-platform',
  'app/multi',
  'app/plain',
  'app/built',
];
const imageArgs = () => IMAGES.flatMap((r) => ['--image', ref(r)]);

beforeAll(async () => {
  registry = await startRegistry();
  seeder = createSeeder(registry);
  work = makeTempDir('base-image-check');

  const b1 = await seeder.pushImage({
    repo: 'base/b',
    tag: '1',
    layers: [tarArchive({ 'etc/os-release': 'b 1' })],
  });
  const b2 = await seeder.pushIndex({ repo: 'base/b', tag: '2', platforms: [amd64, arm64] });
  was.b1 = b1.digest;
  was.b2 = b2.digest;
  const [b2amd, b2arm] = b2.children.map((c) => c.digest) as [string, string];
  await seeder.pushImage({
    repo: 'app/labels',
    tag: '1',
    config: { labels: labels(ref('base/b'), b1.digest) },
  });
  await pushAnnotated('app/annotated', labels(ref('base/b'), b1.digest));
  // Recorded as the index digest, and as the platform image's digest: both are what b:2 gives today.
  await seeder.pushImage({
    repo: 'app/on-index',
    tag: '1',
    config: { ...amd64, labels: labels(ref('base/b', '2'), b2.digest) },
  });
  await seeder.pushImage({
    repo: 'app/on-platform',
    tag: '1',
    config: { ...arm64, labels: labels(ref('base/b', '2'), b2arm) },
  });
  await pushMultiArch('app/multi', ref('base/b', '2'), (p) => (p.architecture === 'amd64' ? b2amd : b2arm));
  await seeder.pushImage({ repo: 'app/plain', tag: '1' });

  // A real build by the build step, on a base pushed with buildah: what it records is what the check reads.
  const builtBase = ref('base/built');
  await pushSampleBase(storageIn(work, 'seed'), builtBase);
  const storage = storageIn(work, 'build');
  const built = await runStepInProcess(buildStep, [
    '--image',
    ref('app/built'),
    '--context',
    join(REPO_ROOT, 'examples', 'sample-app'),
    '--build-arg',
    `BASE_IMAGE=${builtBase}`,
    ...buildStepStorageFlags(storage),
  ]);
  if (built.code !== 0) throw new Error(`build failed: ${built.stderr}`);
  was.built = built.results.BASE_IMAGE_DIGEST as string;
});

afterAll(async () => {
  await registry?.stop();
});

describe('base-image-check on a real registry', () => {
  test('before any base moves: every recorded base is current, the image without a record is unknown, no rebuild', async () => {
    const { run, report, status } = await check(imageArgs());
    expect(status).toEqual({
      'app/labels:1': 'fresh',
      'app/annotated:1': 'fresh',
      'app/on-index:1': 'fresh',
      'app/on-platform:1': 'fresh',
      'app/multi:1': 'fresh',
      'app/plain:1': 'unknown',
      'app/built:1': 'fresh',
    });
    expect(report.images.find((i) => i.image.endsWith('app/plain:1'))?.platforms[0]?.reason).toMatch(
      /no org.opencontainers.image.base.name/,
    );
    expect(run.results).toMatchObject({
      REBUILD_NEEDED: 'false',
      STALE_IMAGES: '',
      CHECK_SUMMARY: '7 images: 0 stale, 6 fresh, 1 unknown',
    });
  });

  test('b:1 moves to a new digest: the images built on it are stale, with the old and new digests', async () => {
    await moveBase('base/b', '1', 'b 1, patched');
    const { run, report, status } = await check(imageArgs());
    expect(status).toMatchObject({
      'app/labels:1': 'stale',
      'app/annotated:1': 'stale',
      'app/on-index:1': 'fresh',
      'app/plain:1': 'unknown',
    });
    const now = (await seeder.getManifest('base/b', '1'))?.digest;
    expect(now).not.toBe(was.b1);
    expect(report.stale).toEqual([
      expect.objectContaining({
        image: ref('app/labels'),
        base: ref('base/b'),
        oldDigest: was.b1,
        newDigest: now,
      }),
      expect.objectContaining({
        image: ref('app/annotated'),
        base: ref('base/b'),
        oldDigest: was.b1,
        newDigest: now,
      }),
    ]);
    expect(run.results.REBUILD_NEEDED).toBe('true');
    expect(run.results.STALE_IMAGES).toBe(`${ref('app/labels')},${ref('app/annotated')}`);
  });

  test('the multi-arch base b:2 moves: images recorded with its index digest or a platform digest are stale, naming the new platform image', async () => {
    const children = [];
    for (const platform of [amd64, arm64]) {
      const image = await seeder.pushImage({
        repo: 'base/b',
        config: { ...platform, created: '2025-06-01T00:00:00Z' },
      });
      children.push({ mediaType: image.mediaType, digest: image.digest, size: image.size, platform });
    }
    const index = buildIndex('oci', children);
    await seeder.putRawManifest('base/b', '2', index.body, index.mediaType);
    expect(index.digest).not.toBe(was.b2);
    const { report, status } = await check(imageArgs());
    expect(status).toMatchObject({
      'app/on-index:1': 'stale',
      'app/on-platform:1': 'stale',
      'app/multi:1': 'stale',
    });
    const onPlatform = report.stale.find((s) => s.image === ref('app/on-platform'));
    expect(onPlatform).toMatchObject({ newDigest: index.digest, newPlatformDigest: children[1]?.digest });
  });

  test('the base of the real build moves: its image is stale', async () => {
    await moveBase('base/built', '1', 'rebuilt base');
    const { report, status } = await check(['--image', ref('app/built')]);
    expect(status).toEqual({ 'app/built:1': 'stale' });
    expect(report.stale[0]).toMatchObject({ oldDigest: was.built, base: ref('base/built') });
  });

  test('--repository globs over the catalog check the chosen tags, and --rebuild write renders one PipelineRun per stale image', async () => {
    const template = join(work, 'rebuild.yaml');
    writeFileSync(
      template,
      [
        'apiVersion: tekton.dev/v1',
        'kind: PipelineRun',
        'metadata:',
        '  generateName: rebuild-',
        'spec:',
        '  pipelineRef: { name: image-build }',
        '  params:',
        '    - { name: IMAGE, value: "{{IMAGE_REPOSITORY}}:{{IMAGE_TAG}}" }',
        '    - { name: BASE_DIGEST, value: "{{NEW_BASE_DIGEST}}" }',
        '',
      ].join('\n'),
    );
    const dir = join(work, 'runs');
    const { run, status } = await check([
      '--registry',
      registry.host,
      '--repository',
      'app/*',
      '--tag',
      '1',
      '--rebuild',
      'write',
      '--pipelinerun-template',
      template,
      '--pipelinerun-dir',
      dir,
    ]);
    expect(Object.keys(status).sort()).toEqual(IMAGES.map((r) => `${r}:1`).sort());
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(6);
    const first = yaml.load(readFileSync(join(dir, files[0] as string), 'utf8')) as {
      metadata: { generateName: string };
      spec: { params: Array<{ value: string }> };
    };
    expect(first.metadata.generateName).toBe('rebuild-');
    expect(first.spec.params[0]?.value).toMatch(new RegExp(`^${registry.host}/app/[a-z-]+:1$`));
    expect(run.results.PIPELINERUNS).toBe(files.map((f) => join(dir, f)).join(','));
  });

  describe('with a cluster', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await startTestCluster();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    test('--rebuild create starts one PipelineRun per stale image through the Kubernetes API', async () => {
      const template = join(work, 'rebuild.yaml');
      const { run, report } = await check([
        ...imageArgs(),
        '--rebuild',
        'create',
        '--pipelinerun-template',
        template,
        '--kubeconfig',
        cluster.kubeconfigPath,
      ]);
      const created = run.results.PIPELINERUNS?.split(',') ?? [];
      expect(created).toHaveLength(report.stale.length);
      const kube = cluster.client();
      const listed = (await kube.custom.listNamespacedCustomObject({
        group: 'tekton.dev',
        version: 'v1',
        namespace: cluster.namespace,
        plural: 'pipelineruns',
      })) as {
        items: Array<{ metadata: { name: string; annotations: Record<string, string> } }>;
      };
      expect(listed.items.map((i) => `${cluster.namespace}/${i.metadata.name}`).sort()).toEqual(
        [...created].sort(),
      );
      expect(listed.items.map((i) => i.metadata.annotations['image-lifecycle.io/rebuild-of']).sort()).toEqual(
        report.stale.map((s) => s.image).sort(),
      );
    });
  });
});
