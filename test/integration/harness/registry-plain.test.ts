import { parseAccessLine } from '../../helpers/access-log.js';
import { MediaType, referrersFallbackTag, sha256Digest } from '../../helpers/image-content.js';
import { registryVersion, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type Seeder } from '../../helpers/seed.js';

let registry: TestRegistry;
let seeder: Seeder;

beforeAll(async () => {
  registry = await startRegistry();
  seeder = createSeeder(registry);
});
afterAll(async () => {
  await registry?.stop();
});

const ALL_MANIFEST_TYPES = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerList,
].join(', ');

async function getManifest(
  repo: string,
  reference: string,
): Promise<{ status: number; digest: string | null; type: string | null; body: Buffer }> {
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, {
    headers: { accept: ALL_MANIFEST_TYPES },
  });
  return {
    status: response.status,
    digest: response.headers.get('docker-content-digest'),
    type: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

test('the registry is the Debian distribution 2.8 build, answering the v2 API on loopback without auth', async () => {
  expect(await registryVersion()).toMatch(/^docker-registry github\.com\/docker\/distribution 2\.8\./);
  expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${registry.url}/v2/`);
  expect(response.status).toBe(200);
  expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
});

describe('seeded content is served back as pushed', () => {
  test.each(['oci', 'docker'] as const)(
    '%s image: same bytes, Docker-Content-Digest, media type and blobs',
    async (format) => {
      const pushed = await seeder.pushImage({
        repo: `seed/${format}`,
        tag: 'v1',
        format,
        config: { created: '2023-05-06T07:08:09Z', labels: { team: 'blue' }, architecture: 'arm64' },
      });
      const got = await getManifest(`seed/${format}`, 'v1');
      expect(got).toMatchObject({ status: 200, digest: pushed.digest, type: pushed.mediaType });
      expect(got.body.equals(pushed.body)).toBe(true);
      expect(sha256Digest(got.body)).toBe(pushed.digest);
      expect(pushed.size).toBe(got.body.length);

      const config = await fetch(`${registry.url}/v2/seed/${format}/blobs/${pushed.configDigest}`);
      const configBytes = Buffer.from(await config.arrayBuffer());
      expect(sha256Digest(configBytes)).toBe(pushed.configDigest);
      expect(JSON.parse(configBytes.toString('utf8'))).toMatchObject({
        created: '2023-05-06T07:08:09Z',
        architecture: 'arm64',
        config: { Labels: { team: 'blue' } },
      });
      for (const layer of pushed.layerDigests) {
        const head = await fetch(`${registry.url}/v2/seed/${format}/blobs/${layer}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers.get('docker-content-digest')).toBe(layer);
      }
    },
  );

  test.each([
    ['oci', MediaType.ociIndex, MediaType.ociManifest],
    ['docker', MediaType.dockerList, MediaType.dockerManifest],
  ] as const)(
    '%s index: tagged, with untagged per-platform children',
    async (format, indexType, childType) => {
      const pushed = await seeder.pushIndex({
        repo: `seed/${format}-multi`,
        tag: 'latest',
        format,
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
      });
      const got = await getManifest(`seed/${format}-multi`, 'latest');
      expect(got).toMatchObject({ status: 200, digest: pushed.digest, type: indexType });
      const index = JSON.parse(got.body.toString('utf8')) as {
        manifests: Array<{ digest: string; mediaType: string; platform: unknown }>;
      };
      expect(index.manifests.map((m) => m.platform)).toEqual([
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ]);
      expect(new Set(index.manifests.map((m) => m.digest)).size).toBe(2);
      for (const child of index.manifests) {
        expect(child.mediaType).toBe(childType);
        expect((await getManifest(`seed/${format}-multi`, child.digest)).digest).toBe(child.digest);
      }
      const tags = (await (await fetch(`${registry.url}/v2/seed/${format}-multi/tags/list`)).json()) as {
        tags: string[];
      };
      expect(tags.tags).toEqual(['latest']);
    },
  );

  test('artifact referrer: subject kept, and the sha256-<hex> fallback index lists every referrer once', async () => {
    const image = await seeder.pushImage({ repo: 'seed/refs', tag: 'v1' });
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
    const sbomOptions = {
      repo: 'seed/refs',
      subject,
      artifactType: 'application/spdx+json',
      annotations: { 'org.opencontainers.image.created': '2024-02-03T04:05:06Z' },
      payload: { mediaType: 'application/spdx+json', bytes: Buffer.from('{"spdxVersion":"SPDX-2.3"}') },
      fallbackTag: true,
    };
    const sbom = await seeder.pushArtifactReferrer(sbomOptions);
    const signature = await seeder.pushArtifactReferrer({
      repo: 'seed/refs',
      subject,
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      fallbackTag: true,
    });
    // Pushing the same referrer again must not list it twice.
    await seeder.pushArtifactReferrer(sbomOptions);

    const stored = await getManifest('seed/refs', sbom.digest);
    expect(stored).toMatchObject({ status: 200, digest: sbom.digest, type: MediaType.ociManifest });
    expect(JSON.parse(stored.body.toString('utf8'))).toMatchObject({
      artifactType: 'application/spdx+json',
      subject,
    });

    expect(sbom.fallbackTag).toBe(referrersFallbackTag(image.digest));
    const fallback = await getManifest('seed/refs', `sha256-${image.digest.slice('sha256:'.length)}`);
    expect(fallback.type).toBe(MediaType.ociIndex);
    expect(JSON.parse(fallback.body.toString('utf8')).manifests).toEqual([
      sbom.descriptor,
      signature.descriptor,
    ]);

    // distribution 2.8 has no referrers API: the fallback tag is what clients must use.
    const referrersApi = await fetch(`${registry.url}/v2/seed/refs/referrers/${image.digest}`);
    expect(referrersApi.status).toBe(404);
  });

  test('putRawManifest stores any body byte for byte under the given reference', async () => {
    const image = await seeder.pushImage({ repo: 'seed/raw', tag: 'base' });
    const pretty = `${JSON.stringify(JSON.parse(image.body.toString('utf8')), null, 3)}\n`;
    const pushed = await seeder.putRawManifest('seed/raw', 'pretty', pretty, image.mediaType);
    expect(pushed.digest).toBe(sha256Digest(Buffer.from(pretty)));
    expect(pushed.digest).not.toBe(image.digest);
    expect((await getManifest('seed/raw', 'pretty')).body.toString('utf8')).toBe(pretty);
  });
});

describe('listing', () => {
  test('pushTags makes many tags on one digest; 2.8 lists them all in one answer, ignoring n', async () => {
    const { tags, image } = await seeder.pushTags('list/many', 25);
    expect(tags[0]).toBe('t01');
    expect(tags[24]).toBe('t25');
    const response = await fetch(`${registry.url}/v2/list/many/tags/list?n=5`);
    const listed = (await response.json()) as { tags: string[] };
    // Distribution 2.8 has no tag pagination (it came with v3): no Link header, every tag, unspecified order.
    expect(response.headers.get('link')).toBeNull();
    expect([...listed.tags].sort()).toEqual(tags);
    expect((await getManifest('list/many', 't17')).digest).toBe(image.digest);
  });

  test('the catalog paginates with n and a Link rel="next" header, as distribution does', async () => {
    await seeder.pushImage({ repo: 'list/cat-a', tag: '1' });
    await seeder.pushImage({ repo: 'list/cat-b', tag: '1' });
    const first = await fetch(`${registry.url}/v2/_catalog?n=1`);
    const page = (await first.json()) as { repositories: string[] };
    expect(page.repositories).toHaveLength(1);
    const link = first.headers.get('link');
    expect(link).toMatch(/^<\/v2\/_catalog\?last=[^>]+&n=1>; rel="next"$/);
    const nextPath = /^<([^>]+)>/.exec(link ?? '')?.[1];
    const second = (await (await fetch(`${registry.url}${nextPath}`)).json()) as { repositories: string[] };
    expect(second.repositories).toHaveLength(1);
    expect(second.repositories[0]! > page.repositories[0]!).toBe(true);
  });
});

describe('deletion with storage.delete.enabled (the default)', () => {
  test('DELETE by digest answers 202 and takes the tags with it; the repository then lists tags: null', async () => {
    const image = await seeder.pushImage({ repo: 'del/app', tag: 'gone' });
    const deleted = await fetch(`${registry.url}/v2/del/app/manifests/${image.digest}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    expect((await getManifest('del/app', 'gone')).status).toBe(404);
    expect((await getManifest('del/app', image.digest)).status).toBe(404);
    expect(await (await fetch(`${registry.url}/v2/del/app/tags/list`)).json()).toEqual({
      name: 'del/app',
      tags: null,
    });
  });

  test('DELETE by tag is not a tag delete in 2.8: 400 DIGEST_INVALID, and the tag stays', async () => {
    const image = await seeder.pushImage({ repo: 'del/by-tag', tag: 'kept' });
    const response = await fetch(`${registry.url}/v2/del/by-tag/manifests/kept`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe(
      'DIGEST_INVALID',
    );
    expect((await getManifest('del/by-tag', 'kept')).digest).toBe(image.digest);
  });
});

test('the access log records each request with method, path and status, in order', async () => {
  const before = (await registry.settledAccessLog()).length;
  await fetch(`${registry.url}/v2/log/missing/manifests/v1`, { method: 'HEAD' });
  await fetch(`${registry.url}/v2/log/missing/tags/list`);
  const lines = (await registry.settledAccessLog()).slice(before);
  expect(
    lines.map(parseAccessLine).map((entry) => entry && [entry.method, entry.target, entry.status]),
  ).toEqual([
    ['HEAD', '/v2/log/missing/manifests/v1', 404],
    ['GET', '/v2/log/missing/tags/list', 404],
  ]);
});
