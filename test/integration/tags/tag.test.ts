import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { step as computeTags } from '../../../steps/compute-tags/main.js';
import { step as tag } from '../../../steps/tag/main.js';
import { RegistryClient, parseReference } from '../../../steps/lib/oci/index.js';
import { parseAccessLine } from '../../helpers/access-log.js';
import { ADMIN } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { createSeeder, type Seeder, type PushedImage } from '../../helpers/seed.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';
import { tarArchive } from '../../helpers/tar.js';

const SHA = 'abc123f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3';
let registry: TestRegistry;
let seeder: Seeder;
let client: RegistryClient;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  seeder = createSeeder(registry);
  client = new RegistryClient();
  dir = makeTempDir('tag-test');
});
afterAll(async () => {
  await client?.close();
  await registry?.stop();
  if (dir) removeTempDir(dir);
});

const ref = (s: string) => parseReference(`${registry.host}/${s}`);
const digestOf = async (s: string) => (await client.exists(ref(s)))?.digest;
const image = (repo: string, name: string): Promise<PushedImage> =>
  seeder.pushImage({ repo, layers: [tarArchive({ [`etc/${name}`]: `${name}\n` })] });

/** Requests the registry logged while `fn` ran. */
async function requestsDuring(fn: () => Promise<unknown>) {
  const before = (await registry.settledAccessLog()).length;
  await fn();
  return (await registry.settledAccessLog()).slice(before).map((line) => parseAccessLine(line)!);
}

describe('compute-tags --from-registry', () => {
  test('reads the repository tags to decide latest and the floating tags', async () => {
    const old = await image('compute/app', 'old');
    for (const t of ['1.2.3', '2.0.0'])
      await seeder.putRawManifest('compute/app', t, old.body, old.mediaType);
    const run = await runStepInProcess(computeTags, [
      '--ref',
      'refs/tags/v1.3.0',
      '--sha',
      SHA,
      '--from-registry',
      `${registry.host}/compute/app`,
      '--output',
      'json',
    ]);
    expect(run).toExitWith(0);
    expect(JSON.parse(run.stdout)).toEqual({
      version: '1.3.0',
      tags: ['1.3.0', '1.3.0-abc123f', '1.3', '1'],
      immutableTags: ['1.3.0', '1.3.0-abc123f'],
      environmentTags: [],
    });
    expect(run.results).toEqual({
      VERSION: '1.3.0',
      TAGS: '1.3.0,1.3.0-abc123f,1.3,1',
      IMMUTABLE_TAGS: '1.3.0,1.3.0-abc123f',
      ENVIRONMENT_TAGS: '',
    });
  });

  test('a repository that does not exist yet gets the first release with latest', async () => {
    const run = await runStepInProcess(computeTags, [
      '--ref',
      'refs/tags/v0.1.0',
      '--sha',
      SHA,
      '--from-registry',
      `${registry.host}/compute/new`,
    ]);
    expect(run).toExitWith(0);
    expect(run.results.TAGS).toBe('0.1.0,0.1.0-abc123f,latest');
  });

  test('bad input is one line and exit 2', async () => {
    const run = await runStepInProcess(computeTags, ['--ref', 'refs/heads/main', '--sha', 'nothex']);
    expect(run).toExitWith(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('--sha "nothex"')]);
  });
});

describe('tag', () => {
  test('creates every tag by manifest PUT, and a second run changes nothing', async () => {
    const a = await image('tag/app', 'a');
    const args = [
      '--image',
      `${registry.host}/tag/app@${a.digest}`,
      '--tags',
      '1.2.3,1.2.3-abc123f,1.2,1,latest',
      '--immutable-tags',
      '1.2.3,1.2.3-abc123f',
    ];
    const requests = await requestsDuring(async () => {
      const run = await runStepInProcess(tag, args);
      expect(run).toExitWith(0);
      expect(run.results).toMatchObject({
        IMAGE_DIGEST: a.digest,
        TAGS_CHANGED: '1.2.3,1.2.3-abc123f,1.2,1,latest',
      });
    });
    expect(requests.filter((r) => r.target.includes('/blobs/'))).toEqual([]);
    for (const t of ['1.2.3', '1.2.3-abc123f', '1.2', '1', 'latest'])
      expect(await digestOf(`tag/app:${t}`)).toBe(a.digest);

    const again = await requestsDuring(async () => {
      const run = await runStepInProcess(tag, [...args, '--output', 'json']);
      expect(run).toExitWith(0);
      expect(
        (JSON.parse(run.stdout) as { changes: Array<{ action: string }> }).changes.map((c) => c.action),
      ).toEqual(Array(5).fill('unchanged'));
    });
    expect(again.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  test('an immutable tag on another digest is refused with both digests, and nothing changes', async () => {
    const a = await image('immutable/app', 'a');
    const b = await image('immutable/app', 'b');
    await seeder.putRawManifest('immutable/app', '1.2.3', a.body, a.mediaType);
    await seeder.putRawManifest('immutable/app', 'latest', a.body, a.mediaType);
    const requests = await requestsDuring(async () => {
      const run = await runStepInProcess(tag, [
        '--image',
        `${registry.host}/immutable/app@${b.digest}`,
        '--tags',
        'latest,1.2.3,1.2',
        '--immutable-tags',
        '1.2.3',
      ]);
      expect(run).toExitWith(1);
      expect(run.stderr).toContain(a.digest);
      expect(run.stderr).toContain(b.digest);
      expect(run.stderr).toMatch(/immutable tag .*1\.2\.3.*nothing was changed/);
      expect(run.results).toEqual({});
    });
    expect(requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(await digestOf('immutable/app:1.2.3')).toBe(a.digest);
    expect(await digestOf('immutable/app:latest')).toBe(a.digest);
    expect(await digestOf('immutable/app:1.2')).toBeUndefined();
  });

  test('re-tagging an immutable tag to the digest it already has passes', async () => {
    const a = await image('immutable/same', 'a');
    await seeder.putRawManifest('immutable/same', '1.2.3', a.body, a.mediaType);
    const run = await runStepInProcess(tag, [
      '--image',
      `${registry.host}/immutable/same@${a.digest}`,
      '--tags',
      '1.2.3',
      '--immutable-tags',
      '1.2.3',
    ]);
    expect(run).toExitWith(0);
    expect(run.results.TAGS_CHANGED).toBe('');
  });

  test('--immutable-pattern protects tags compute-tags did not list', async () => {
    const a = await image('immutable/pattern', 'a');
    const b = await image('immutable/pattern', 'b');
    await seeder.putRawManifest('immutable/pattern', '3.1.4', a.body, a.mediaType);
    const run = await runStepInProcess(tag, [
      '--image',
      `${registry.host}/immutable/pattern@${b.digest}`,
      '--tags',
      '3.1.4',
      '--immutable-pattern',
      '[0-9]+\\.[0-9]+\\.[0-9]+',
    ]);
    expect(run).toExitWith(1);
    expect(await digestOf('immutable/pattern:3.1.4')).toBe(a.digest);
  });

  test('tags and immutable tags can come from compute-tags result files', async () => {
    const a = await image('files/app', 'a');
    writeFileSync(join(dir, 'TAGS'), 'sha-abc123f,main,dev');
    writeFileSync(join(dir, 'IMMUTABLE_TAGS'), '');
    const run = await runStepInProcess(tag, [
      '--image',
      `${registry.host}/files/app@${a.digest}`,
      '--tags-file',
      join(dir, 'TAGS'),
      '--immutable-tags-file',
      join(dir, 'IMMUTABLE_TAGS'),
    ]);
    expect(run).toExitWith(0);
    expect(await digestOf('files/app:dev')).toBe(a.digest);
  });

  test('--dry-run reports the plan and writes nothing', async () => {
    const a = await image('dry/app', 'a');
    const requests = await requestsDuring(async () => {
      const run = await runStepInProcess(tag, [
        '--image',
        `${registry.host}/dry/app@${a.digest}`,
        '--tags',
        'x,y',
        '--dry-run',
      ]);
      expect(run).toExitWith(0);
      expect(run.stdout).toMatch(/x\s+would create/);
    });
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(await digestOf('dry/app:x')).toBeUndefined();
  });

  test('into another repository, a multi-arch index arrives whole by blob mounts, without uploads', async () => {
    const index = await seeder.pushIndex({
      repo: 'mount/src',
      tag: 'build',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });
    const requests = await requestsDuring(async () => {
      const run = await runStepInProcess(tag, [
        '--image',
        `${registry.host}/mount/src@${index.digest}`,
        '--repository',
        `${registry.host}/mount/dst`,
        '--tags',
        '1.0.0,latest',
      ]);
      expect(run).toExitWith(0);
    });
    expect(await digestOf('mount/dst:1.0.0')).toBe(index.digest);
    for (const child of index.children) {
      const got = await client.getManifest(ref(`mount/dst@${child.digest}`));
      if (!('config' in got.manifest)) throw new Error('child is not an image manifest');
      for (const blob of [got.manifest.config, ...got.manifest.layers])
        expect(await client.headBlob(ref('mount/dst'), blob.digest)).toBeDefined();
    }
    const uploads = requests.filter(
      (r) =>
        r.method === 'POST' || r.method === 'PATCH' || (r.method === 'PUT' && r.target.includes('/blobs/')),
    );
    expect(uploads.length).toBeGreaterThan(0);
    expect(uploads.every((r) => r.method === 'POST' && r.target.includes('mount=') && r.status === 201)).toBe(
      true,
    );
    // The children share their layer: each blob is mounted once, as a second mount racing a manifest PUT
    // makes distribution answer digest_invalid.
    const mounted = uploads.map((r) => new URL(r.target, 'http://registry').searchParams.get('mount'));
    const blobs = new Set(index.children.flatMap((c) => [c.configDigest, ...c.layerDigests]));
    expect(blobs.size).toBeLessThan(index.children.length * 2);
    expect(mounted.sort()).toEqual([...blobs].sort());
  });

  test('the target repository must be on the same registry', async () => {
    const run = await runStepInProcess(tag, [
      '--image',
      `${registry.host}/x/y@sha256:${'a'.repeat(64)}`,
      '--repository',
      'quay.io/x/y',
      '--tags',
      'a',
    ]);
    expect(run).toExitWith(2);
    expect(run.stderr).toMatch(/--repository quay\.io\/x\/y: must be on the image's registry/);
  });
});

describe('tag on a token-auth registry', () => {
  let secured: TestRegistry;
  beforeAll(async () => {
    secured = await startRegistry({ auth: 'token' });
  });
  afterAll(async () => secured?.stop());

  test('moving 100 tags costs one HEAD and one PUT per tag after authentication', async () => {
    const seeded = await createSeeder(secured, ADMIN).pushImage({ repo: 'many/app' });
    const config = join(dir, 'token-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        auths: {
          [secured.host]: { auth: Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64') },
        },
      }),
    );
    const tags = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const before = (await secured.settledAccessLog()).length;
    const run = await runStepInProcess(tag, [
      '--image',
      `${secured.host}/many/app@${seeded.digest}`,
      '--tags',
      tags.join(','),
      '--docker-config',
      config,
    ]);
    expect(run).toExitWith(0);
    const requests = (await secured.settledAccessLog())
      .slice(before)
      .map((l) => parseAccessLine(l)!)
      .filter((r) => r.status !== 401);
    const manifestHeads = requests.filter((r) => r.method === 'HEAD' && r.target.includes('/manifests/t'));
    const manifestPuts = requests.filter((r) => r.method === 'PUT' && r.target.includes('/manifests/t'));
    expect(manifestHeads).toHaveLength(100);
    expect(manifestPuts).toHaveLength(100);
    // Besides those: the ping and one GET of the image manifest by digest.
    expect(requests.length).toBeLessThanOrEqual(100 + 100 + 2);
    console.log(
      `tag: ${requests.length} authenticated requests for 100 tags; token requests: ${secured.tokenServer?.stats().issued}`,
    );
  });
});
