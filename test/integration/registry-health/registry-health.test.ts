import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/registry-health/main.js';
import { ADMIN } from '../../helpers/credentials.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { buildImage, buildIndex, type BuiltManifest } from '../../helpers/image-content.js';
import { startPushgateway, type Pushgateway } from '../../helpers/pushgateway.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let gateway: Pushgateway;
let seeder: Seeder;
let work: string;

/** Every object a manifest keeps, with its size: what the test itself built, not what the step found. */
function objectsOf(...manifests: Array<BuiltManifest & { children?: BuiltManifest[] }>): Map<string, number> {
  const objects = new Map<string, number>();
  for (const m of manifests) {
    objects.set(m.digest, m.body.length);
    for (const blob of m.blobs) objects.set(blob.descriptor.digest, blob.bytes.length);
    for (const [digest, size] of objectsOf(...(m.children ?? []))) objects.set(digest, size);
  }
  return objects;
}
const bytesOf = (...sets: Array<Map<string, number>>) => {
  const all = new Map<string, number>();
  for (const set of sets) for (const [d, s] of set) all.set(d, s);
  return [...all.values()].reduce((a, b) => a + b, 0);
};

async function push(
  repo: string,
  tag: string,
  manifest: BuiltManifest & { children?: BuiltManifest[] },
): Promise<void> {
  for (const child of manifest.children ?? []) await push(repo, child.digest, child);
  for (const blob of manifest.blobs) await seeder.pushBlob(repo, blob);
  await seeder.putRawManifest(repo, tag, manifest.body, manifest.mediaType);
}

const shared = randomBytes(40_000);
const imageA = buildImage('oci', [shared, randomBytes(10_000)]);
const imageB = buildImage('oci', [shared, randomBytes(7_000)]);
const amd = buildImage('oci', [randomBytes(3_000)], { architecture: 'amd64' });
const arm = buildImage('oci', [randomBytes(3_500)], { architecture: 'arm64' });
const index = {
  ...buildIndex('oci', [
    {
      mediaType: amd.mediaType,
      digest: amd.digest,
      size: amd.body.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: arm.mediaType,
      digest: arm.digest,
      size: arm.body.length,
      platform: { os: 'linux', architecture: 'arm64' },
    },
  ]),
  children: [amd, arm],
};
const imageC = buildImage('oci', [randomBytes(20_000)]);
const untagged = buildImage('oci', [randomBytes(50_000)]);

// health/app: A as v1 and latest, B as v2 (sharing A's big layer). health/other: A again and a two-platform index.
const appObjects = objectsOf(imageA, imageB);
const otherObjects = objectsOf(imageA, index);

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
  gateway = await startPushgateway();
  seeder = createSeeder(registry);
  work = makeTempDir('registry-health');
  await push('health/app', 'v1', imageA);
  await push('health/app', 'latest', imageA);
  await push('health/app', 'v2', imageB);
  await push('health/other', 'v1', imageA);
  await push('health/other', 'multi', index);
  // Untagged: the registry stores it, but no tag keeps it, so it is not counted.
  await push('health/app', untagged.digest, untagged);
}, 120_000);
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await gateway?.stop();
});
beforeEach(() => {
  proxy.setPlan(undefined);
  proxy.recover();
});

const healthArgs = (host: string, extra: string[] = []) => [
  '--registry',
  host,
  '--canary-image',
  `${host}/health/app:v1`,
  '--scratch-repository',
  'health/scratch',
  '--storage-repository',
  'health/app health/other',
  '--samples',
  '5',
  ...extra,
];

describe('registry-health against the real registry', () => {
  test('healthy: every check passes and storage is exactly the bytes the tags keep, shared blobs once', async () => {
    const report = join(work, 'report.json');
    const run = await runStepInProcess(
      step,
      healthArgs(registry.host, ['--pushgateway-url', gateway.url, '--report-file', report]),
    );
    expect(run.stderr).toBe('');
    expect(run).toExitWith(0);
    const total = bytesOf(appObjects, otherObjects);
    expect(total).toBeLessThan(bytesOf(appObjects) + bytesOf(otherObjects));
    expect(run.results).toMatchObject({
      HEALTHY: 'true',
      STORAGE_BYTES: String(total),
      STORAGE_GROWTH: 'unknown',
    });
    expect(run.results.HEALTH_SUMMARY).toMatch(/^healthy; \/v2\/ p50 \d+ ms, p95 \d+ ms; storage /);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['ping', true],
      ['tags', true],
      ['manifest', true],
      ['blob', true],
      ['push-delete', true],
      ['storage health/app', true],
      ['storage health/other', true],
    ]);
    expect(json.storage.repositories).toEqual([
      { repository: 'health/app', bytes: bytesOf(appObjects), objects: appObjects.size },
      { repository: 'health/other', bytes: bytesOf(otherObjects), objects: otherObjects.size },
    ]);
    expect(json.operations.filter((o: { operation: string }) => o.operation === 'ping')).toHaveLength(5);

    // The round trip left nothing behind.
    const pushedDigest = /deleted (sha256:[a-f0-9]{64})/.exec(json.checks[4].detail)?.[1];
    expect(pushedDigest).toBeDefined();
    expect(await seeder.getManifest('health/scratch', pushedDigest as string)).toBeUndefined();

    const scraped = await gateway.scrape();
    expect(scraped).toContain(
      `image_lifecycle_registry_up{instance="",job="image-lifecycle",registry="${registry.host}"} 1`,
    );
    expect(scraped).toContain(
      `image_lifecycle_registry_storage_total_bytes{instance="",job="image-lifecycle",registry="${registry.host}"} ${total}`,
    );
    expect(scraped).toContain(
      `image_lifecycle_registry_storage_bytes{instance="",job="image-lifecycle",registry="${registry.host}",repository="health/app"} ${bytesOf(appObjects)}`,
    );
    expect(scraped).toMatch(
      new RegExp(
        `image_lifecycle_registry_operation_p95_seconds\\{instance="",job="image-lifecycle",operation="manifest-put",registry="${registry.host}"\\} [0-9.e-]+`,
      ),
    );
  });

  test('growth since the last run, from the figure the last run pushed', async () => {
    await push('health/app', 'v3', imageC);
    const before = bytesOf(appObjects, otherObjects);
    const after = bytesOf(appObjects, otherObjects, objectsOf(imageC));
    const run = await runStepInProcess(step, healthArgs(registry.host, ['--pushgateway-url', gateway.url]));
    expect(run).toExitWith(0);
    expect(run.results.STORAGE_BYTES).toBe(String(after));
    expect(run.results.STORAGE_GROWTH).toBe(`+${((after / before - 1) * 100).toFixed(1)}%`);
  });
});

describe('registry-health through the fault proxy', () => {
  test('slow: /v2/ over the latency limit is unhealthy, exit 1, and the push says up=0', async () => {
    proxy.setPlan({ script: (req) => (req.path === '/v2/' ? { kind: 'delay', ms: 250 } : undefined) });
    const run = await runStepInProcess(step, [
      '--registry',
      proxy.host,
      '--samples',
      '3',
      '--max-latency-ms',
      '200',
      '--pushgateway-url',
      gateway.url,
    ]);
    expect(run).toExitWith(1);
    expect(run.results.HEALTHY).toBe('false');
    expect(run.results.HEALTH_SUMMARY).toMatch(
      /^unhealthy: latency: \/v2\/ p95 (2[5-9]\d|[3-9]\d\d) ms is over 200 ms;/,
    );
    expect(Number(run.results.LATENCY_P95_MS)).toBeGreaterThanOrEqual(250);
    expect(await gateway.scrape()).toContain(
      `image_lifecycle_registry_up{instance="",job="image-lifecycle",registry="${proxy.host}"} 0`,
    );
  });

  test('a single 503 is retried by the client: still healthy', async () => {
    proxy.setPlan({ script: ['503'] });
    const run = await runStepInProcess(step, healthArgs(proxy.host, ['--storage-repository', '']));
    expect(run).toExitWith(0);
    expect(run.results.HEALTHY).toBe('true');
    expect(proxy.counts().faults['503']).toBe(1);
  });

  test('a persistent 503 is unhealthy with the reason, exit 1, and later checks are skipped', async () => {
    proxy.setPlan({ script: () => 'persistent503' });
    const run = await runStepInProcess(step, healthArgs(proxy.host, ['--output', 'json']));
    expect(run).toExitWith(1);
    expect(run.results.HEALTHY).toBe('false');
    expect(run.results.HEALTH_SUMMARY).toMatch(/^unhealthy: ping: .*503.*gave up after retries/);
    expect(JSON.parse(run.stdout).checks.map((c: { name: string }) => c.name)).toEqual(['ping']);
  }, 60_000);
});

describe('registry-health auth and input', () => {
  test('wrong credentials: unhealthy because unauthorized', async () => {
    const basic = await startRegistry({ auth: 'basic' });
    try {
      const dir = join(work, 'wrong-auth');
      mkdirSync(dir, { recursive: true });
      const auth = Buffer.from(`${ADMIN.username}:not-the-password`).toString('base64');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth } } }));
      const run = await runStepInProcess(step, [
        '--registry',
        basic.host,
        '--samples',
        '1',
        '--docker-config',
        dir,
      ]);
      expect(run).toExitWith(1);
      expect(run.results.HEALTH_SUMMARY).toMatch(/^unhealthy: ping: .*unauthorized/);
      expect(run.stdout + run.stderr).not.toContain('not-the-password');
    } finally {
      await basic.stop();
    }
  });

  test.each([
    [
      ['--registry', 'bad host!'],
      'ERROR: registry-health: --registry must be a registry host[:port] such as quay.example.com, got "bad host!"',
    ],
    [
      ['--registry', '127.0.0.1:5000', '--samples', '0'],
      'ERROR: registry-health: --samples must be a whole number from 1 to 100, got "0"',
    ],
    [
      ['--registry', '127.0.0.1:5000', '--canary-image', 'quay.io/x/y:1'],
      'ERROR: registry-health: --canary-image quay.io/x/y:1 is not on 127.0.0.1:5000',
    ],
  ])('%j is exit 2 with one line', async (args, line) => {
    const run = await runStepInProcess(step, args);
    expect(run).toExitWith(2);
    expect(run.stderr.trim()).toBe(line);
  });
});
