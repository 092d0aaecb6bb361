import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runCommand } from '../../helpers/command.js';
import { ADMIN } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type PushedImage, type PushedIndex, type Seeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { step as complianceStep } from '../../../steps/compliance-report/main.js';
import { step as gateStep } from '../../../steps/scan-gate/main.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'scan');
const f = (name: string) => join(FIXTURES, name);

let registry: TestRegistry;
let seeder: Seeder;
let release: PushedIndex;
let next: PushedImage;
let dev: PushedImage;
let web: PushedImage;
let dockerConfig: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token' });
  seeder = createSeeder(registry, ADMIN);
  release = await seeder.pushIndex({
    repo: 'shop/api',
    tag: '1.4.2',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
  await seeder.putRawManifest('shop/api', 'prod', release.body, release.mediaType);
  next = await seeder.pushImage({
    repo: 'shop/api',
    tag: '1.5.0',
    layers: [tarArchive({ 'app/version': '1.5.0\n' })],
  });
  dev = await seeder.pushImage({
    repo: 'shop/api',
    tag: 'dev',
    layers: [tarArchive({ 'app/version': 'dev\n' })],
  });
  web = await seeder.pushImage({
    repo: 'shop/web',
    tag: 'prod',
    layers: [tarArchive({ 'srv/index.html': '<h1>shop</h1>\n' })],
  });
  dockerConfig = join(makeTempDir('compliance-docker'), 'config.json');
  writeFileSync(
    dockerConfig,
    JSON.stringify({
      auths: {
        [registry.host]: { auth: Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64') },
      },
    }),
  );

  const gate = (image: string, report: string, at: string) =>
    runStepInProcess(gateStep, [
      '--report',
      report,
      '--policy',
      f('policy.yaml'),
      '--image',
      image,
      '--attach',
      'true',
      '--at',
      at,
      '--docker-config',
      dockerConfig,
    ]);
  // 1.4.2 (= prod) is scanned twice: the later failing report is the one that counts.
  expect(
    (await gate(`${registry.host}/shop/api:1.4.2`, f('trivy-clean.json'), '2025-03-09T08:00:00Z')).code,
  ).toBe(0);
  expect(
    (await gate(`${registry.host}/shop/api:1.4.2`, f('trivy-linux-amd64.json'), '2025-03-10T08:00:00Z')).code,
  ).toBe(1);
  expect(
    (await gate(`${registry.host}/shop/api:1.5.0`, f('trivy-clean.json'), '2025-03-10T09:00:00Z')).code,
  ).toBe(0);
});

afterAll(async () => {
  await registry?.stop();
});

function report(extra: string[] = []) {
  return runStepInProcess(complianceStep, [
    '--repository',
    `${registry.host}/shop/api`,
    '--repository',
    `${registry.host}/shop/web`,
    '--production-tag',
    'prod',
    '--at',
    '2025-03-11T00:00:00Z',
    '--docker-config',
    dockerConfig,
    ...extra,
  ]);
}

describe('compliance-report against a real registry', () => {
  it("finds each image's latest scan report by digest and reports every image, scanned or not", async () => {
    const run = await report(['--output', 'json']);
    expect(run.stderr).not.toMatch(/ERROR|WARN/);
    expect(run).toExitWith(0);
    const out = JSON.parse(run.stdout);
    const byDigest = Object.fromEntries(out.images.map((i: { digest: string }) => [i.digest, i]));
    expect(Object.keys(byDigest).sort()).toEqual(
      [release.digest, next.digest, dev.digest, web.digest].sort(),
    );

    expect(byDigest[release.digest]).toMatchObject({
      repository: `${registry.host}/shop/api`,
      tags: ['1.4.2', 'prod'],
      production: true,
      status: 'non-compliant',
      // The cross-spawn exception is scoped to registry.example.com/shop/*, not this registry: 3 block.
      reasons: ['the last scan failed with 3 blocking findings'],
      scan: {
        verdict: 'fail',
        evaluatedAt: '2025-03-10T08:00:00.000Z',
        reportsFound: 2,
        counts: { total: 7 },
      },
    });
    expect(byDigest[release.digest].exceptions.map((e: { id: string }) => e.id)).toEqual(['CVE-2023-45853']);
    expect(byDigest[next.digest]).toMatchObject({
      tags: ['1.5.0'],
      production: false,
      status: 'compliant',
      scan: { verdict: 'pass' },
    });
    expect(byDigest[dev.digest]).toMatchObject({ tags: ['dev'], status: 'unscanned' });
    expect(byDigest[web.digest]).toMatchObject({
      repository: `${registry.host}/shop/web`,
      tags: ['prod'],
      production: true,
      status: 'unscanned',
    });
    expect(out.summary).toEqual({
      verdict: 'fail',
      images: 4,
      compliant: 1,
      nonCompliant: 1,
      unscanned: 2,
      production: 2,
      productionNonCompliant: 1,
      productionUnscanned: 1,
    });
    expect(JSON.parse(run.results.COMPLIANCE_SUMMARY!)).toEqual(out.summary);
  });

  it('never lists the referrers fallback tags as images', async () => {
    const tags = (
      await seeder.http.expect([200], 'GET', '/v2/shop/api/tags/list', { scope: 'repository:shop/api:pull' })
    ).body.toString('utf8');
    expect(tags).toContain(`sha256-${release.digest.slice(7)}`);
    const out = JSON.parse((await report(['--output', 'json'])).stdout);
    expect(out.images.flatMap((i: { tags: string[] }) => i.tags)).not.toContainEqual(
      expect.stringMatching(/^sha256-/),
    );
  });

  it('fails with exit 1 when asked and a production image is non-compliant or unscanned', async () => {
    const run = await report(['--fail-on-noncompliant', 'true']);
    expect(run).toExitWith(1);
    expect(run.stdout).toContain('| Repository | Tags | Digest |');
  });

  it('writes JSON, Markdown and a self-contained HTML page', async () => {
    const dir = join(makeTempDir('compliance-out'), 'out');
    const run = await report(['--output-dir', dir]);
    expect(run).toExitWith(0);
    for (const name of ['compliance-report.json', 'compliance-report.md', 'compliance-report.html'])
      expect(existsSync(join(dir, name))).toBe(true);
    const html = readFileSync(join(dir, 'compliance-report.html'), 'utf8');
    expect(html).toContain('<table id="images">');
    expect((html.match(/<tr class="/g) ?? []).length).toBe(4);
    expect(html).toContain(`data-digest="${release.digest}"`);

    // The page as a person sees it: headless Chromium renders it from the file alone (self-contained).
    const artifacts = join(REPO_ROOT, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, 'compliance-report.png');
    rmSync(screenshot, { force: true });
    const page = pathToFileURL(join(dir, 'compliance-report.html')).toString();
    const dom = await chromium(['--dump-dom', page]);
    expect(dom).toContain('<table id="images">');
    expect((dom.match(/<tr class="/g) ?? []).length).toBe(4);
    await chromium([`--screenshot=${screenshot}`, '--window-size=1280,900', page]);
    expect(statSync(screenshot).size).toBeGreaterThan(5000);
  });

  it('takes several repositories and production tags in one value, as the Task passes its params', async () => {
    const one = await runStepInProcess(complianceStep, [
      '--repository',
      `${registry.host}/shop/api ${registry.host}/shop/web`,
      '--production-tag',
      'prod, v*',
      '--at',
      '2025-03-11T00:00:00Z',
      '--docker-config',
      dockerConfig,
      '--output',
      'json',
    ]);
    const separate = await report(['--production-tag', 'v*', '--output', 'json']);
    expect(one.code).toBe(separate.code);
    expect(JSON.parse(one.stdout)).toEqual(JSON.parse(separate.stdout));
  });

  it('names a repository that does not exist', async () => {
    const run = await runStepInProcess(complianceStep, [
      '--repository',
      `${registry.host}/shop/nope`,
      '--docker-config',
      dockerConfig,
    ]);
    expect(run).toExitWith(1);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ERROR')),
    ).toEqual([expect.stringMatching(/shop\/nope/)]);
  });
});

/** Debian's Chromium, headless, with the flags that keep it off the network. */
async function chromium(args: string[]): Promise<string> {
  const profile = makeTempDir('chromium-profile');
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
  const { stdout } = await runCommand('chromium', [...flags, ...args], { timeoutMs: 60_000 });
  return stdout;
}
