import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/build/main.js';
import { RegistryClient, parseReference, type ImageConfig } from '../../../steps/lib/oci/index.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';
import { buildStepStorageFlags, pushSampleBase, storageIn, type BuildahStorage } from './sample-base.js';

jest.setTimeout(240_000);

const SAMPLE_APP = join(REPO_ROOT, 'examples', 'sample-app');
let registry: TestRegistry;
let dir: string;
let client: RegistryClient;
let base: string;
let baseDigest: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  dir = makeTempDir('build-test');
  client = new RegistryClient();
  base = `${registry.host}/sample/base:1`;
  await pushSampleBase(storageIn(dir, 'seed'), base);
  baseDigest = (await client.resolve(parseReference(base))).digest;
});
afterAll(async () => {
  await client?.close();
  await registry?.stop();
  if (dir) removeTempDir(dir);
});

interface BuildJson {
  digest: string | null;
  baseDigest: string | null;
  cacheHits: number;
  attempts: { pull: number; build: number; push: number };
  durationsMs: { build: number; push: number };
}

function build(storage: BuildahStorage, image: string, extra: string[] = []) {
  return runStepInProcess(step, [
    '--image',
    image,
    '--context',
    SAMPLE_APP,
    '--build-arg',
    `BASE_IMAGE=${base}`,
    ...buildStepStorageFlags(storage),
    '--retry-delay-ms',
    '100',
    '--output',
    'json',
    ...extra,
  ]);
}

const cacheFlags = () => [
  '--cache-from',
  `${registry.host}/sample/cache`,
  '--cache-to',
  `${registry.host}/sample/cache`,
  '--cache-ttl',
  '24h',
];

describe('build of examples/sample-app against the test registry', () => {
  let first: BuildJson;

  test('a cold build pushes the image with OCI labels, annotations and the base digest', async () => {
    const run = await build(storageIn(dir, 'cold'), `${registry.host}/sample/app:1`, [
      ...cacheFlags(),
      '--source',
      'https://git.example/sample-app',
      '--revision',
      'abc123f',
      '--version',
      '1.0.0',
      '--title',
      'sample-app',
    ]);
    expect(run).toExitWith(0);
    first = JSON.parse(run.stdout) as BuildJson;
    const pushed = await client.getManifest(parseReference(`${registry.host}/sample/app:1`));
    expect(run.results.IMAGE_DIGEST).toBe(pushed.descriptor.digest);
    expect(run.results.IMAGE_URL).toBe(`${registry.host}/sample/app:1`);
    expect(run.results.BASE_IMAGE_DIGEST).toBe(baseDigest);
    expect(run.results.BUILD_CACHE_HITS).toBe('0');
    const annotations = 'config' in pushed.manifest ? (pushed.manifest.annotations ?? {}) : {};
    expect(annotations).toMatchObject({
      'org.opencontainers.image.source': 'https://git.example/sample-app',
      'org.opencontainers.image.revision': 'abc123f',
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.title': 'sample-app',
      'org.opencontainers.image.base.name': base,
      'org.opencontainers.image.base.digest': baseDigest,
    });
    expect(Date.parse(annotations['org.opencontainers.image.created'] ?? '')).not.toBeNaN();
    if (!('config' in pushed.manifest)) throw new Error('expected an image manifest');
    const config = JSON.parse(
      (
        await client.getBlob(parseReference(`${registry.host}/sample/app`), pushed.manifest.config.digest)
      ).toString(),
    ) as ImageConfig;
    expect(config.config?.Labels).toMatchObject({
      'org.opencontainers.image.revision': 'abc123f',
      'org.opencontainers.image.base.digest': baseDigest,
    });
    expect(config.config?.User).toBe('1001:0');
  });

  test('a second build in fresh storage reuses the registry cache and is faster', async () => {
    const run = await build(storageIn(dir, 'warm'), `${registry.host}/sample/app:2`, cacheFlags());
    expect(run).toExitWith(0);
    const second = JSON.parse(run.stdout) as BuildJson;
    console.log(
      `sample-app build: cold ${first.durationsMs.build} ms, with registry cache ${second.durationsMs.build} ms (${second.cacheHits} cache hits)`,
    );
    expect(second.cacheHits).toBeGreaterThanOrEqual(5);
    expect(run.results.BUILD_CACHE_HITS).toBe(String(second.cacheHits));
    expect(run.stderr).toMatch(/Cache pulled from remote/);
  });

  test('a Containerfile syntax error fails once, quoting buildah, exit 2', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'Containerfile'), `FROM ${base}\nFORM x\n`);
    const run = await runStepInProcess(step, [
      '--image',
      `${registry.host}/sample/broken:1`,
      '--context',
      broken,
      ...buildStepStorageFlags(storageIn(dir, 'warm')),
      '--retries',
      '3',
      '--retry-delay-ms',
      '100',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr).toMatch(/build of .* failed \(syntax\): ".*Unknown instruction: \\?"FORM/);
    expect(run.stderr).not.toMatch(/retry/i);
    expect(run.stderr.match(/STEP 1\/\d+: FROM/g)).toHaveLength(1);
    expect(run.stderr).not.toContain(
      'failed (syntax): "building at STEP "FORM ": Build error: Unknown instruction: "FORM" &imagebuilder',
    );
  });

  test('a base image the registry does not have fails at once with exit 1', async () => {
    const run = await build(storageIn(dir, 'warm'), `${registry.host}/sample/app:3`, [
      '--build-arg',
      `BASE_IMAGE=${registry.host}/sample/missing:1`,
      '--retries',
      '3',
    ]);
    expect(run).toExitWith(1);
    expect(run.stderr).toMatch(/pull of base image .*missing:1 failed \(base-unknown\): ".*manifest unknown/);
    expect(run.stderr).not.toMatch(/retry 1 of/);
  });

  test('--dry-run prints the buildah commands, argument by argument, and builds nothing', async () => {
    const run = await build(storageIn(dir, 'dry'), `${registry.host}/sample/app:dry`, [
      ...cacheFlags(),
      '--dry-run',
      '--build-arg',
      'NOTE=a b; $(x)',
    ]);
    expect(run).toExitWith(0);
    const out = JSON.parse(run.stdout) as BuildJson & { commands: string[][] };
    const [buildArgs, pushArgs] = out.commands;
    expect(buildArgs).toEqual(
      expect.arrayContaining(['build', '--cache-from', `${registry.host}/sample/cache`, '--retry', '0']),
    );
    expect(buildArgs).toContain('NOTE=a b; $(x)');
    expect(pushArgs).toEqual(expect.arrayContaining(['push', `docker://${registry.host}/sample/app:dry`]));
    expect(await client.exists(parseReference(`${registry.host}/sample/app:dry`))).toBeUndefined();
  });

  describe('through a fault proxy', () => {
    let proxy: FaultProxy;
    afterAll(async () => proxy?.stop());

    test('a push answered 503 twice succeeds on the third attempt', async () => {
      let manifestPuts = 0;
      proxy = await startFaultProxy({
        target: registry.url,
        plan: {
          script: (r) =>
            r.method === 'PUT' && r.path.includes('/manifests/') && manifestPuts++ < 2 ? '503' : undefined,
        },
      });
      const run = await build(storageIn(dir, 'warm'), `${proxy.host}/sample/app:faulty`, ['--retries', '3']);
      expect(run).toExitWith(0);
      const out = JSON.parse(run.stdout) as BuildJson;
      expect(out.attempts).toEqual({ pull: 1, build: 1, push: 3 });
      expect(proxy.counts().faults['503']).toBe(2);
      expect(run.stderr).toMatch(
        /push of .* failed \(transient\): ".*503 Service Unavailable"; retry 1 of 3/,
      );
      expect((await client.resolve(parseReference(`${registry.host}/sample/app:faulty`))).digest).toBe(
        out.digest,
      );
    });
  });
});
