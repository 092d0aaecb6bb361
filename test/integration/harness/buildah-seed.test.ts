import { buildahPushImage, skopeoCopy, skopeoInspect } from '../../helpers/buildah-seed.js';
import { ADMIN, basicAuthorization } from '../../helpers/credentials.js';
import { MediaType } from '../../helpers/image-content.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'basic' });
});
afterAll(async () => {
  await registry?.stop();
});

test('buildah builds from scratch and pushes; the registry serves the digest buildah reported', async () => {
  const built = await buildahPushImage({
    registryHost: registry.host,
    repo: 'built/app',
    tag: 'v1',
    labels: { 'org.example.team': 'blue' },
    files: { '/app/hello.txt': 'hello\n' },
    credentials: ADMIN,
  });
  expect(built.reference).toBe(`${registry.host}/built/app:v1`);
  const response = await fetch(`${registry.url}/v2/built/app/manifests/v1`, {
    headers: { accept: MediaType.ociManifest, authorization: basicAuthorization(ADMIN) },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('docker-content-digest')).toBe(built.digest);
  expect(response.headers.get('content-type')).toBe(MediaType.ociManifest);

  const inspected = await skopeoInspect(built.reference, { credentials: ADMIN });
  expect(inspected).toMatchObject({ Digest: built.digest, Labels: { 'org.example.team': 'blue' } });
  expect(inspected.Layers).toHaveLength(1);
});

test('buildah can write the Docker schema 2 format too', async () => {
  const built = await buildahPushImage({
    registryHost: registry.host,
    repo: 'built/docker',
    tag: 'v1',
    format: 'docker',
    credentials: ADMIN,
  });
  const raw = await skopeoInspect(built.reference, { credentials: ADMIN, raw: true });
  expect(raw.mediaType).toBe(MediaType.dockerManifest);
});

test('skopeo reads what the seeder pushed and copies it to another repository', async () => {
  const pushed = await createSeeder(registry, ADMIN).pushImage({
    repo: 'seeded/app',
    tag: 'v1',
    config: { labels: { origin: 'seed' } },
  });
  const inspected = await skopeoInspect(`${registry.host}/seeded/app:v1`, { credentials: ADMIN });
  expect(inspected).toMatchObject({
    Digest: pushed.digest,
    Labels: { origin: 'seed' },
    Architecture: 'amd64',
    Os: 'linux',
  });
  const copied = await skopeoCopy(`${registry.host}/seeded/app:v1`, `${registry.host}/copied/app:v1`, {
    srcCredentials: ADMIN,
    destCredentials: ADMIN,
    preserveDigests: true,
  });
  expect(copied).toBe(pushed.digest);
  expect((await skopeoInspect(`${registry.host}/copied/app:v1`, { credentials: ADMIN })).Digest).toBe(
    pushed.digest,
  );
});

test('skopeo without credentials meets the registry refusal', async () => {
  await expect(skopeoInspect(`${registry.host}/seeded/app:v1`)).rejects.toThrow(
    /skopeo inspect failed.*(unauthorized|authentication required)/,
  );
});
