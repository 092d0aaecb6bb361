import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRegistry, REGISTRY_V3_COMMAND, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';
import {
  RegistryClient,
  parseReference,
  parseRepository,
  RegistryError,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  pushArtifact,
} from '../../../steps/lib/oci/index.js';

let registry: TestRegistry;
let seeder: Seeder;
let client: RegistryClient;
const ref = (s: string) => parseReference(`${registry.host}/${s}`);

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  seeder = createSeeder(registry);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(() => {
  client = new RegistryClient();
});
afterEach(async () => client.close());

describe('manifests of all four media types', () => {
  test.each([
    ['oci', OCI_MANIFEST],
    ['docker', DOCKER_MANIFEST],
  ] as const)('%s image manifest: GET and HEAD agree with the registry digest', async (format, mediaType) => {
    const pushed = await seeder.pushImage({ repo: `types/${format}`, tag: 'v1', format });
    const got = await client.getManifest(ref(`types/${format}:v1`));
    expect(got.descriptor).toMatchObject({ digest: pushed.digest, mediaType, size: pushed.size });
    expect(got.body.equals(pushed.body)).toBe(true);
    expect(await client.resolve(ref(`types/${format}:v1`))).toEqual({
      digest: pushed.digest,
      mediaType,
      size: pushed.size,
    });
  });

  test.each([
    ['oci', OCI_INDEX],
    ['docker', DOCKER_LIST],
  ] as const)(
    '%s two-platform index lists both children, each fetchable by digest',
    async (format, mediaType) => {
      const pushed = await seeder.pushIndex({
        repo: `types/${format}-multi`,
        tag: 'v1',
        format,
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
      });
      const got = await client.getManifest(ref(`types/${format}-multi:v1`));
      expect(got.descriptor).toMatchObject({ digest: pushed.digest, mediaType });
      const children = 'manifests' in got.manifest ? got.manifest.manifests : [];
      expect(children.map((c) => c.platform?.architecture)).toEqual(['amd64', 'arm64']);
      for (const child of children) {
        const fetched = await client.getManifest(ref(`types/${format}-multi@${child.digest}`));
        expect(fetched.descriptor.digest).toBe(child.digest);
      }
    },
  );
});

test('a manifest whose stored body no longer matches its digest is refused', async () => {
  const pushed = await seeder.pushImage({ repo: 'tamper/app', tag: 'v1' });
  const hex = pushed.digest.slice('sha256:'.length);
  const data = join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  const original = readFileSync(data);
  // Still valid JSON, so only the digest check can notice.
  writeFileSync(data, Buffer.concat([original, Buffer.from(' ')]));
  try {
    const err = await client.getManifest(ref(`tamper/app@${pushed.digest}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('DIGEST_MISMATCH');
    expect((err as RegistryError).exitCode).toBe(1);
    const byTag = await client.getManifest(ref('tamper/app:v1')).catch((e: unknown) => e);
    expect((byTag as RegistryError).code).toBe('DIGEST_MISMATCH');
  } finally {
    writeFileSync(data, original);
  }
});

describe('distribution v3: tag pagination and tag delete', () => {
  let v3: TestRegistry;
  beforeAll(async () => {
    v3 = await startRegistry({ auth: 'none', command: REGISTRY_V3_COMMAND });
  });
  afterAll(async () => v3?.stop());

  test('tag listing follows Link pagination across pages to the end', async () => {
    const { tags } = await createSeeder(v3).pushTags('paged/app', 7);
    const c = new RegistryClient();
    const listed = await c.listTags(parseRepository(`${v3.host}/paged/app`), 2);
    await c.close();
    expect([...listed].sort()).toEqual([...tags].sort());
    const pages = (await v3.settledAccessLog()).filter((l) => l.includes('/v2/paged/app/tags/list'));
    expect(pages).toHaveLength(4);
  });

  test('capabilities: v3 deletes tags alone', async () => {
    await createSeeder(v3).pushImage({ repo: 'caps/app', tag: '1' });
    const c = new RegistryClient();
    expect(await c.capabilities(parseReference(`${v3.host}/caps/app`))).toEqual({
      deleteManifests: true,
      deleteTags: true,
      referrersApi: false,
    });
    await c.close();
  });
});

test('distribution 2.8 ignores n and lists every tag on one page; the client reads it whole', async () => {
  const { tags } = await seeder.pushTags('paged/app', 7);
  const listed = await client.listTags(parseRepository(`${registry.host}/paged/app`), 2);
  expect([...listed].sort()).toEqual([...tags].sort());
});

test('catalog lists repositories across pages', async () => {
  await seeder.pushImage({ repo: 'catalog/a', tag: '1' });
  await seeder.pushImage({ repo: 'catalog/b', tag: '1' });
  const repos = await client.catalog(registry.host, 1);
  expect(repos).toEqual(expect.arrayContaining(['catalog/a', 'catalog/b']));
});

test('delete by digest removes the manifest, a second delete counts as done', async () => {
  const pushed = await seeder.pushImage({ repo: 'del/app', tag: 'gone' });
  expect(await client.deleteManifest(ref(`del/app@${pushed.digest}`))).toBe('deleted');
  expect(await client.exists(ref('del/app:gone'))).toBeUndefined();
  expect(await client.deleteManifest(ref(`del/app@${pushed.digest}`))).toBe('absent');
});

test('capabilities: delete enabled here, tag delete and referrers API not in distribution 2.8', async () => {
  await seeder.pushImage({ repo: 'caps/app', tag: '1' });
  expect(await client.capabilities(ref('caps/app'))).toEqual({
    deleteManifests: true,
    deleteTags: false,
    referrersApi: false,
  });
});

test('blobs: HEAD, verified GET, upload and cross-repository mount', async () => {
  const pushed = await seeder.pushImage({ repo: 'blobs/src', tag: '1' });
  const layer = pushed.layerDigests[0] as string;
  expect((await client.headBlob(ref('blobs/src'), layer))?.digest).toBe(layer);
  expect(await client.headBlob(ref('blobs/dst'), layer)).toBeUndefined();
  expect(await client.mountBlob(ref('blobs/dst'), layer, 'blobs/src')).toBe(true);
  expect((await client.headBlob(ref('blobs/dst'), layer))?.digest).toBe(layer);
  const uploaded = await client.pushBlob(ref('blobs/dst'), Buffer.from('fresh bytes'));
  expect((await client.getBlob(ref('blobs/dst'), uploaded.digest)).toString()).toBe('fresh bytes');
});

test('referrers through the sha256-<hex> tag fallback, filtered by artifact type', async () => {
  const image = await seeder.pushImage({ repo: 'refs/app', tag: '1' });
  const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
  const sig = await seeder.pushArtifactReferrer({
    repo: 'refs/app',
    subject,
    artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    fallbackTag: true,
  });
  const ours = await pushArtifact(client, ref('refs/app'), {
    artifactType: 'application/vnd.image-lifecycle.scan-report.v1+json',
    subject,
    layers: [{ mediaType: 'application/json', data: Buffer.from('{"verdict":"pass"}') }],
  });
  const all = await client.referrers(ref('refs/app'), image.digest);
  expect(all.map((d) => d.digest).sort()).toEqual([sig.digest, ours.digest].sort());
  const scans = await client.referrers(
    ref('refs/app'),
    image.digest,
    'application/vnd.image-lifecycle.scan-report.v1+json',
  );
  expect(scans.map((d) => d.digest)).toEqual([ours.digest]);
  expect(await client.referrers(ref('refs/app'), 'sha256:' + '1'.repeat(64))).toEqual([]);
});

test('unknown repository is a permanent not-found error, not retried', async () => {
  await client.ping(registry.host);
  const before = client.transport.requestCount;
  const err = await client.getManifest(ref('no/such:1')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).notFound).toBe(true);
  expect((err as RegistryError).transient).toBe(false);
  expect(client.transport.requestCount - before).toBe(1);
});

test('many concurrent resolves through one client all answer right', async () => {
  const { image } = await seeder.pushTags('reuse/app', 20);
  const repo = parseRepository(`${registry.host}/reuse/app`);
  const tags = await client.listTags(repo);
  const resolved = await Promise.all(tags.map((t) => client.resolve(repo.withTag(t))));
  expect(new Set(resolved.map((d) => d.digest))).toEqual(new Set([image.digest]));
  expect(resolved).toHaveLength(20);
});
