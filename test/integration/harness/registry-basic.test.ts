import { ADMIN, basicAuthorization } from '../../helpers/credentials.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';

const OPERATOR = { username: 'operator', password: 'p@ss:with spaces' };

let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry({
    auth: 'basic',
    users: {
      [ADMIN.username]: { password: ADMIN.password },
      [OPERATOR.username]: { password: OPERATOR.password },
    },
  });
});
afterAll(async () => {
  await registry?.stop();
});

test('without credentials the registry answers 401 with a Basic challenge', async () => {
  const response = await fetch(`${registry.url}/v2/`);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Basic realm="image-lifecycle-test"');
  const body = (await response.json()) as { errors: Array<{ code: string }> };
  expect(body.errors[0]?.code).toBe('UNAUTHORIZED');
});

test('each htpasswd user gets 200; a wrong password or unknown user gets 401', async () => {
  const status = async (username: string, password: string): Promise<number> =>
    (
      await fetch(`${registry.url}/v2/_catalog`, {
        headers: { authorization: basicAuthorization({ username, password }) },
      })
    ).status;
  expect(await status(ADMIN.username, ADMIN.password)).toBe(200);
  expect(await status(OPERATOR.username, OPERATOR.password)).toBe(200);
  expect(await status(ADMIN.username, 'wrong')).toBe(401);
  expect(await status('nobody', ADMIN.password)).toBe(401);
});

test('the seeder answers the Basic challenge and its push is readable with credentials only', async () => {
  const pushed = await createSeeder(registry, OPERATOR).pushImage({ repo: 'private/app', tag: 'v1' });
  const url = `${registry.url}/v2/private/app/manifests/v1`;
  expect((await fetch(url, { headers: { accept: pushed.mediaType } })).status).toBe(401);
  const authed = await fetch(url, {
    headers: { accept: pushed.mediaType, authorization: basicAuthorization(ADMIN) },
  });
  expect(authed.status).toBe(200);
  expect(authed.headers.get('docker-content-digest')).toBe(pushed.digest);
});

test('a seeder without credentials gets the registry refusal, not a silent success', async () => {
  await expect(createSeeder(registry).pushImage({ repo: 'private/anon', tag: 'v1' })).rejects.toThrow(/401/);
});
