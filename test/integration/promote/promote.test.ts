import { step as promote } from '../../../steps/promote/main.js';
import {
  PROMOTION_ARTIFACT_TYPE,
  PromotionAnnotation,
  type PromotionRecord,
} from '../../../steps/lib/promote/record.js';
import { SCAN_REPORT_ARTIFACT_TYPE } from '../../../steps/lib/scan/report.js';
import {
  RegistryClient,
  parseReference,
  pushArtifact,
  readArtifactLayer,
} from '../../../steps/lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder, type PushedImage } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';

let registry: TestRegistry;
let seeder: Seeder;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  seeder = createSeeder(registry);
  client = new RegistryClient();
});
afterAll(async () => {
  await client?.close();
  await registry?.stop();
});

const repo = (name: string) => parseReference(`${registry.host}/${name}`);
const digestOf = async (name: string) =>
  (await client.exists(parseReference(`${registry.host}/${name}`)))?.digest;

async function release(name: string, content: string, tags: string[]): Promise<PushedImage> {
  const image = await seeder.pushImage({ repo: name, layers: [tarArchive({ 'etc/release': content })] });
  for (const t of tags) await seeder.putRawManifest(name, t, image.body, image.mediaType);
  return image;
}

async function promotionsOf(name: string, digest: string): Promise<PromotionRecord[]> {
  const referrers = await client.referrers(repo(name), digest, PROMOTION_ARTIFACT_TYPE);
  return Promise.all(
    referrers.map(
      async (d) => JSON.parse((await readArtifactLayer(client, repo(name), d)).toString()) as PromotionRecord,
    ),
  );
}

const run = (name: string, digest: string, ...extra: string[]) =>
  runStepInProcess(promote, [
    '--image',
    `${registry.host}/${name}@${digest}`,
    '--environment',
    'prod',
    '--actor',
    'alice',
    '--run',
    'release-run-1',
    ...extra,
  ]);

describe('promote', () => {
  test('moves prod by digest and records the previous digest for rollback', async () => {
    const v1 = await release('shop/app', 'v1', ['1.0.0', '1.0.0-aaaaaaa']);
    const v2 = await release('shop/app', 'v2', ['1.1.0']);

    const first = await run('shop/app', v1.digest);
    expect(first).toExitWith(0);
    expect(first.results).toMatchObject({ PROMOTED_DIGEST: v1.digest, PREVIOUS_DIGEST: '' });
    expect(await digestOf('shop/app:prod')).toBe(v1.digest);

    const second = await run('shop/app', v2.digest, '--output', 'json');
    expect(second).toExitWith(0);
    expect(second.results).toMatchObject({ PROMOTED_DIGEST: v2.digest, PREVIOUS_DIGEST: v1.digest });
    expect(JSON.parse(second.stdout)).toMatchObject({
      environment: 'prod',
      version: '1.1.0',
      previousDigest: v1.digest,
      changed: true,
    });
    expect(await digestOf('shop/app:prod')).toBe(v2.digest);

    const referrers = await client.referrers(repo('shop/app'), v2.digest, PROMOTION_ARTIFACT_TYPE);
    expect(referrers).toHaveLength(1);
    expect(referrers[0]?.digest).toBe(second.results.PROMOTION_RECORD);
    expect(referrers[0]?.annotations).toMatchObject({
      [PromotionAnnotation.environment]: 'prod',
      [PromotionAnnotation.previousDigest]: v1.digest,
      [PromotionAnnotation.actor]: 'alice',
      [PromotionAnnotation.version]: '1.1.0',
      [PromotionAnnotation.run]: 'release-run-1',
    });
    const [record] = await promotionsOf('shop/app', v2.digest);
    expect(record).toMatchObject({
      environment: 'prod',
      digest: v2.digest,
      previousDigest: v1.digest,
      actor: 'alice',
      version: '1.1.0',
    });
    expect(Date.now() - Date.parse(record?.time ?? '')).toBeLessThan(60_000);
    expect(await promotionsOf('shop/app', v1.digest)).toMatchObject([{ previousDigest: null }]);
  });

  test('promoting the image already there changes nothing and records nothing', async () => {
    const v1 = await release('same/app', 'v1', ['2.0.0', 'prod']);
    const result = await run('same/app', v1.digest);
    expect(result).toExitWith(0);
    expect(result.results).toMatchObject({
      PROMOTED_DIGEST: v1.digest,
      PREVIOUS_DIGEST: v1.digest,
      PROMOTION_RECORD: '',
    });
    expect(await promotionsOf('same/app', v1.digest)).toEqual([]);
  });

  test('an image without a version tag is not promoted', async () => {
    const released = await release('gate/app', 'v1', ['1.0.0', 'prod']);
    const build = await release('gate/app', 'build', ['sha-1234567', 'main']);
    const result = await run('gate/app', build.digest);
    expect(result).toExitWith(1);
    expect(result.stderr).toMatch(/carries no semver version tag/);
    expect(await digestOf('gate/app:prod')).toBe(released.digest);
  });

  test('a digest that does not exist is not promoted', async () => {
    await release('gate/missing', 'v1', ['1.0.0']);
    const result = await run('gate/missing', `sha256:${'e'.repeat(64)}`);
    expect(result).toExitWith(1);
    expect(result.stderr).toMatch(/does not exist/);
  });

  test('with --require-scan true, only an image whose newest scan report says pass moves', async () => {
    const image = await release('scan/app', 'v1', ['3.0.0']);
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
    const attach = (verdict: string, time: string) =>
      pushArtifact(client, repo('scan/app'), {
        artifactType: SCAN_REPORT_ARTIFACT_TYPE,
        subject,
        annotations: { 'org.opencontainers.image.created': time },
        layers: [
          { mediaType: 'application/json', data: Buffer.from(JSON.stringify({ verdict, counts: {} })) },
        ],
      });

    const unscanned = await run('scan/app', image.digest, '--require-scan', 'true');
    expect(unscanned).toExitWith(1);
    expect(unscanned.stderr).toMatch(/has no scan report/);

    await attach('fail', '2025-01-01T00:00:00Z');
    const failed = await run('scan/app', image.digest, '--require-scan', 'true');
    expect(failed).toExitWith(1);
    expect(failed.stderr).toMatch(/says "fail"/);
    expect(await digestOf('scan/app:prod')).toBeUndefined();

    await attach('pass', '2025-01-02T00:00:00Z');
    const passed = await run('scan/app', image.digest, '--require-scan', 'true');
    expect(passed).toExitWith(0);
    expect(await digestOf('scan/app:prod')).toBe(image.digest);
  });

  test('--dry-run checks everything and moves nothing', async () => {
    const image = await release('dry/app', 'v1', ['1.0.0']);
    const result = await run('dry/app', image.digest, '--dry-run');
    expect(result).toExitWith(0);
    expect(result.stdout).toMatch(/would move to/);
    expect(await digestOf('dry/app:prod')).toBeUndefined();
  });

  test.each([
    [['--image', 'reg.example/app:1.0.0', '--environment', 'prod'], /promote by digest/],
    [
      ['--image', `reg.example/app@sha256:${'a'.repeat(64)}`, '--environment', 'Prod'],
      /--environment "Prod"/,
    ],
  ])('bad input %j exits 2', async (argv, message) => {
    const result = await runStepInProcess(promote, argv);
    expect(result).toExitWith(2);
    expect(result.stderr).toMatch(message);
  });
});
