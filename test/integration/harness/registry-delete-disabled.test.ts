import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';

let registry: TestRegistry;
let image: PushedImage;

beforeAll(async () => {
  registry = await startRegistry({ deleteEnabled: false });
  image = await createSeeder(registry).pushImage({ repo: 'keep/app', tag: 'v1' });
});
afterAll(async () => {
  await registry?.stop();
});

async function deleteAnswer(path: string): Promise<{ status: number; codes: string[] }> {
  const response = await fetch(`${registry.url}${path}`, { method: 'DELETE' });
  const body = (await response.json()) as { errors: Array<{ code: string }> };
  return { status: response.status, codes: body.errors.map((error) => error.code) };
}

test('with storage.delete.enabled off, manifest and blob DELETE get 405 UNSUPPORTED and nothing goes', async () => {
  expect(registry.deleteEnabled).toBe(false);
  expect(await deleteAnswer(`/v2/keep/app/manifests/${image.digest}`)).toEqual({
    status: 405,
    codes: ['UNSUPPORTED'],
  });
  expect(await deleteAnswer(`/v2/keep/app/manifests/v1`)).toEqual({ status: 405, codes: ['UNSUPPORTED'] });
  expect(await deleteAnswer(`/v2/keep/app/blobs/${image.layerDigests[0]}`)).toEqual({
    status: 405,
    codes: ['UNSUPPORTED'],
  });

  const still = await fetch(`${registry.url}/v2/keep/app/manifests/v1`, {
    method: 'HEAD',
    headers: { accept: image.mediaType },
  });
  expect(still.status).toBe(200);
  expect(still.headers.get('docker-content-digest')).toBe(image.digest);
});

test('pushing still works: delete-disabled is not read-only', async () => {
  const pushed = await createSeeder(registry).pushImage({
    repo: 'keep/app',
    tag: 'v2',
    config: { labels: { v: '2' } },
  });
  expect(pushed.digest).not.toBe(image.digest);
});
