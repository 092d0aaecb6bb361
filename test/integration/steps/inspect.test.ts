import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { ADMIN } from '../../helpers/credentials.js';
import { runCli } from '../../helpers/cli.js';

let plain: TestRegistry;
let basic: TestRegistry;
let proxy: FaultProxy;
const work = mkdtempSync(join(tmpdir(), 'il-inspect-'));
const CANARY = 'Canary-Pw-7f3a9c1e-do-not-print';

function dockerConfig(host: string, username: string, password: string): string {
  const dir = mkdtempSync(join(work, 'cfg-'));
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
  return dir;
}

beforeAll(async () => {
  [plain, basic] = await Promise.all([
    startRegistry({ auth: 'none' }),
    startRegistry({
      auth: 'basic',
      users: {
        admin: { password: ADMIN.password, actions: ['*'] },
        canary: { password: CANARY, actions: ['*'] },
      },
    }),
  ]);
  const seeder = createSeeder(plain);
  await seeder.pushImage({
    repo: 'demo/app',
    tag: '1.0',
    config: { labels: { 'org.opencontainers.image.version': '1.0' }, created: '2025-05-01T10:00:00Z' },
  });
  await seeder.putRawManifest(
    'demo/app',
    'stable',
    (await seeder.getManifest('demo/app', '1.0'))!.body,
    'application/vnd.oci.image.manifest.v1+json',
  );
  await seeder.pushIndex({
    repo: 'demo/multi',
    tag: '2.0',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
  });
  await createSeeder(basic, ADMIN).pushImage({ repo: 'private/app', tag: '1' });
  proxy = await startFaultProxy({ target: plain.url });
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([plain?.stop(), basic?.stop()]);
});

test('inspect prints the JSON contract and writes its results', async () => {
  const results = mkdtempSync(join(work, 'res-'));
  const r = await runCli([
    'inspect',
    '--image',
    `${plain.host}/demo/app:1.0`,
    '--sibling-tags',
    '--output',
    'json',
    '--results-dir',
    results,
  ]);
  expect(r).toExitWith(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({
    reference: `${plain.host}/demo/app:1.0`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    platforms: ['linux/amd64'],
    created: '2025-05-01T10:00:00Z',
    labels: { 'org.opencontainers.image.version': '1.0' },
    siblingTags: ['1.0', 'stable'],
  });
  expect(readFileSync(join(results, 'IMAGE_DIGEST'), 'utf8')).toBe(out.digest);
  expect(readFileSync(join(results, 'IMAGE_URL'), 'utf8')).toBe(`${plain.host}/demo/app:1.0`);
});

test('inspect of an index lists its platforms and reads one with --platform', async () => {
  const results = mkdtempSync(join(work, 'res-'));
  const r = await runCli([
    'inspect',
    '--image',
    `${plain.host}/demo/multi:2.0`,
    '--platform',
    'linux/arm64',
    '--output',
    'json',
    '--results-dir',
    results,
  ]);
  expect(r).toExitWith(0);
  const out = JSON.parse(r.stdout);
  expect(out.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  expect(out.manifestDigest).not.toBe(out.digest);
  expect(readFileSync(join(results, 'PLATFORMS'), 'utf8')).toBe('linux/amd64,linux/arm64');
  const missing = await runCli([
    'inspect',
    '--image',
    `${plain.host}/demo/multi:2.0`,
    '--platform',
    'linux/s390x',
    '--results-dir',
    results,
  ]);
  expect(missing).toExitWith(1);
  expect(missing.stderr).toMatch(/no linux\/s390x image in the index \(has linux\/amd64, linux\/arm64\)/);
});

test('an unknown repository ends with exit 1 and a clear message', async () => {
  const r = await runCli(['inspect', '--image', `${plain.host}/no/such:1`, '--results-dir', work]);
  expect(r).toExitWith(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/image .*no\/such:1 not found/);
});

test('a persistent 503 ends with exit 3 after retries', async () => {
  proxy.setPlan({ script: () => 'persistent503' });
  const r = await runCli(['inspect', '--image', `${proxy.host}/demo/app:1.0`, '--results-dir', work], {
    timeoutMs: 60_000,
  });
  proxy.setPlan(undefined);
  proxy.recover();
  expect(r).toExitWith(3);
  expect(r.stderr).toMatch(/gave up after retries/);
}, 60_000);

test('credentials from a docker config directory; the password never appears in any output', async () => {
  const cfg = dockerConfig(basic.host, 'canary', CANARY);
  const ok = await runCli(
    [
      'inspect',
      '--image',
      `${basic.host}/private/app:1`,
      '--docker-config',
      cfg,
      '--results-dir',
      mkdtempSync(join(work, 'res-')),
      '--output',
      'json',
    ],
    { env: { LOG_LEVEL: 'debug' } },
  );
  expect(ok).toExitWith(0);
  const wrong = dockerConfig(basic.host, 'canary', CANARY + '-wrong');
  const denied = await runCli(
    ['inspect', '--image', `${basic.host}/private/app:1`, '--docker-config', wrong, '--results-dir', work],
    { env: { LOG_LEVEL: 'debug', DEBUG: '1' } },
  );
  expect(denied).toExitWith(1);
  expect(denied.stderr).toMatch(/unauthorized/);
  const b64 = Buffer.from(`canary:${CANARY}`).toString('base64');
  for (const text of [ok.stdout, ok.stderr, denied.stdout, denied.stderr]) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(b64);
  }
});

describe('bad input: one line, exit 2, no stack trace', () => {
  const notJson = join(work, 'not-json.json');
  beforeAll(() => {
    writeFileSync(notJson, '{"auths": {');
  });
  test.each([
    [['--image', 'UPPER/Case'], /lowercase/],
    [['--image', 'repo:tag:tag'], /more than one tag/],
    [['--image', 'repo@sha256:short'], /bad digest/],
    [['--image', ''], /--image is required/],
    [['--image', 'repo:' + 't'.repeat(300)], /bad tag/],
    [
      ['--image', 'a/b:1', '--docker-config', '/nonexistent/dir'],
      /docker config "\/nonexistent\/dir": no config.json/,
    ],
    [['--image', 'a/b:1', '--docker-config', notJson], /not valid JSON/],
    [
      ['--image', 'a/b:1', '--ca-file', '/nonexistent/ca.pem'],
      /--ca-file \/nonexistent\/ca.pem: cannot read it \(ENOENT\)/,
    ],
    [['--image', 'a/b:1', '--platform', 'linux'], /--platform "linux" is not os\/architecture/],
    [['--image', 'a/b:1', '--bogus'], /unknown flag --bogus/],
  ])('%j', async (args, message) => {
    const r = await runCli(['inspect', ...args, '--results-dir', work]);
    expect(r).toExitWith(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('an unreadable docker config (config.json that cannot be read as a file)', async () => {
    const dir = mkdtempSync(join(work, 'cfg-'));
    mkdirSync(join(dir, 'config.json'));
    const r = await runCli([
      'inspect',
      '--image',
      `${plain.host}/demo/app:1.0`,
      '--docker-config',
      dir,
      '--results-dir',
      work,
    ]);
    expect(r).toExitWith(2);
    expect(r.stderr).toMatch(/docker config .*config.json: cannot read it \(EISDIR\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
