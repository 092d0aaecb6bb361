import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type PushedIndex, type Seeder } from '../../helpers/seed.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { parseReference, RegistryClient, staticKeychain } from '../../../steps/lib/oci/index.js';
import { readReport, SCAN_REPORT_ARTIFACT_TYPE } from '../../../steps/lib/scan/report.js';
import { step } from '../../../steps/scan-gate/main.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'scan');
const f = (name: string) => join(FIXTURES, name);

let registry: TestRegistry;
let seeder: Seeder;
let index: PushedIndex;
let dockerConfig: string;

beforeAll(async () => {
  // Token auth as on Quay or OpenShift's registry: pushing the artifact and its fallback tag needs push scope.
  registry = await startRegistry({ auth: 'token' });
  seeder = createSeeder(registry, ADMIN);
  index = await seeder.pushIndex({
    repo: 'shop/api',
    tag: '1.4.2',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  dockerConfig = join(makeTempDir('scan-gate-docker'), 'config.json');
  const auth = Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64');
  writeFileSync(dockerConfig, JSON.stringify({ auths: { [registry.host]: { auth } } }));
});

afterAll(async () => {
  await registry?.stop();
});

function gate(image: string, extra: string[] = []) {
  return runStepInProcess(step, [
    '--report',
    `linux/amd64=${f('trivy-linux-amd64.json')}`,
    '--report',
    `linux/arm64/v8=${f('trivy-linux-arm64.json')}`,
    '--policy',
    f('policy.yaml'),
    // A flag given twice is refused, so a test's own --at replaces the default clock.
    ...(extra.includes('--at') ? [] : ['--at', '2025-03-10T08:00:00Z']),
    '--image',
    image,
    '--attach',
    'true',
    '--docker-config',
    dockerConfig,
    ...extra,
  ]);
}

/** The fallback referrers index, read with the harness's own HTTP client rather than the client under test. */
async function fallbackIndex(
  subject: string,
): Promise<Array<{ digest: string; artifactType?: string; annotations?: Record<string, string> }>> {
  const got = await seeder.getManifest('shop/api', subject.replace(':', '-'));
  return got ? JSON.parse(got.body.toString('utf8')).manifests : [];
}

describe('scan-gate --attach against a real registry', () => {
  it('attaches the evaluated report to the image index, findable by the index digest', async () => {
    const run = await gate(`${registry.host}/shop/api:1.4.2`);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(1); // blocked, and attached all the same: compliance needs failing reports too
    const summary = JSON.parse(run.results.SCAN_SUMMARY!);
    expect(summary.digest).toBe(index.digest);
    expect(summary.report).toMatch(/^sha256:[0-9a-f]{64}$/);

    // distribution 2.8 has no referrers API: the artifact is listed under the sha256-<hex> fallback tag.
    const listed = await fallbackIndex(index.digest);
    expect(listed).toEqual([
      expect.objectContaining({
        digest: summary.report,
        artifactType: SCAN_REPORT_ARTIFACT_TYPE,
        annotations: {
          'org.opencontainers.image.created': '2025-03-10T08:00:00.000Z',
          'vnd.image-lifecycle.scan.verdict': 'fail',
        },
      }),
    ]);

    const artifact = await seeder.getManifest('shop/api', summary.report);
    const manifest = JSON.parse(artifact!.body.toString('utf8'));
    expect(manifest).toMatchObject({
      artifactType: SCAN_REPORT_ARTIFACT_TYPE,
      subject: { digest: index.digest, mediaType: index.mediaType, size: index.size },
    });
    const blob = await seeder.http.expect([200], 'GET', `/v2/shop/api/blobs/${manifest.layers[0].digest}`, {
      scope: 'repository:shop/api:pull',
    });
    const report = readReport(blob.body.toString('utf8'), 'attached report');
    expect(report).toMatchObject({
      verdict: 'fail',
      digest: index.digest,
      image: `${registry.host}/shop/api:1.4.2`,
    });
    expect(report.counts.total).toBe(8);
  });

  it('is found again through the client: referrers by digest and artifact type', async () => {
    const client = new RegistryClient({
      keychain: staticKeychain({ [registry.host]: ADMIN }),
      insecureRegistries: [registry.host],
    });
    try {
      const referrers = await client.referrers(
        parseReference(`${registry.host}/shop/api`),
        index.digest,
        SCAN_REPORT_ARTIFACT_TYPE,
      );
      expect(referrers.length).toBeGreaterThanOrEqual(1);
      expect(referrers.every((r) => r.artifactType === SCAN_REPORT_ARTIFACT_TYPE)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('adds a later scan beside the earlier one instead of replacing it', async () => {
    const before = await fallbackIndex(index.digest);
    const run = await gate(`${registry.host}/shop/api:1.4.2`, ['--at', '2025-03-11T08:00:00Z']);
    expect(run).toExitWith(1);
    const after = await fallbackIndex(index.digest);
    expect(after.map((d) => d.digest)).toEqual([
      ...before.map((d) => d.digest),
      JSON.parse(run.results.SCAN_SUMMARY!).report,
    ]);
  });

  it('attaches to one platform image named by digest', async () => {
    const child = index.children[0]!;
    const run = await gate(`${registry.host}/shop/api@${child.digest}`, ['--output', 'json']);
    expect(run).toExitWith(1);
    expect(JSON.parse(run.results.SCAN_SUMMARY!).digest).toBe(child.digest);
    expect((await fallbackIndex(child.digest)).map((d) => d.artifactType)).toEqual([
      SCAN_REPORT_ARTIFACT_TYPE,
    ]);
  });

  it('fails with exit 1 and one line when the image does not exist, writing no results', async () => {
    const run = await gate(`${registry.host}/shop/missing:1.0`);
    expect(run).toExitWith(1);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ERROR')),
    ).toEqual([expect.stringMatching(/^ERROR: .*shop\/missing/)]);
    expect(run.results).toEqual({});
  });
});
