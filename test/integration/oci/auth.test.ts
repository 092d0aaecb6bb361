import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { ADMIN, READER } from '../../helpers/credentials.js';
import {
  RegistryClient,
  parseReference,
  RegistryError,
  staticKeychain,
} from '../../../steps/lib/oci/index.js';
import { memoryLogger } from '../../../steps/lib/tekton/log.js';

describe('Basic auth (htpasswd)', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
    await createSeeder(registry, ADMIN).pushImage({ repo: 'basic/app', tag: '1' });
  });
  afterAll(async () => registry?.stop());

  test('credentials from the keychain open the registry', async () => {
    const client = new RegistryClient({ keychain: staticKeychain({ [registry.host]: ADMIN }) });
    try {
      expect((await client.resolve(parseReference(`${registry.host}/basic/app:1`))).digest).toMatch(
        /^sha256:/,
      );
    } finally {
      await client.close();
    }
  });

  test('no or wrong credentials end in a permanent UNAUTHORIZED after one re-try at most', async () => {
    for (const keychain of [
      undefined,
      staticKeychain({ [registry.host]: { username: 'admin', password: 'wrong-password' } }),
    ]) {
      const client = new RegistryClient({ keychain });
      const err = await client
        .resolve(parseReference(`${registry.host}/basic/app:1`))
        .catch((e: unknown) => e);
      await client.close();
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('UNAUTHORIZED');
      expect((err as RegistryError).exitCode).toBe(1);
      expect((err as Error).message).not.toContain('wrong-password');
    }
  });
});

describe('Bearer token auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', tokenTtlSeconds: 3 });
    const seeder = createSeeder(registry, ADMIN);
    await seeder.pushImage({ repo: 'tok/app', tag: '1' });
    await seeder.pushImage({ repo: 'tok/other', tag: '1' });
  });
  afterAll(async () => registry?.stop());

  test('one token per scope is reused across requests', async () => {
    const client = new RegistryClient({ keychain: staticKeychain({ [registry.host]: ADMIN }) });
    const app = parseReference(`${registry.host}/tok/app:1`);
    for (let i = 0; i < 5; i++) await client.resolve(app);
    await client.getManifest(app);
    await client.resolve(parseReference(`${registry.host}/tok/other:1`));
    const auth = await client.transport.authenticator(registry.host);
    expect(Object.fromEntries(auth.tokenRequests)).toEqual({
      'repository:tok/app:pull': 1,
      'repository:tok/other:pull': 1,
    });
    await client.close();
  });

  test('an expired token is refreshed, without failing the request', async () => {
    const client = new RegistryClient({ keychain: staticKeychain({ [registry.host]: ADMIN }) });
    const app = parseReference(`${registry.host}/tok/app:1`);
    await client.resolve(app);
    await new Promise((r) => setTimeout(r, 3500));
    expect((await client.resolve(app)).digest).toMatch(/^sha256:/);
    const auth = await client.transport.authenticator(registry.host);
    expect(auth.tokenRequests.get('repository:tok/app:pull')).toBe(2);
    await client.close();
  });

  test('a reader may pull but its push is refused clearly', async () => {
    const log = memoryLogger();
    const client = new RegistryClient({ keychain: staticKeychain({ [registry.host]: READER }), log });
    const repo = parseReference(`${registry.host}/tok/app`);
    expect((await client.resolve(repo.withTag('1'))).digest).toMatch(/^sha256:/);
    const err = await client.pushBlob(repo, Buffer.from('x')).catch((e: unknown) => e);
    await client.close();
    expect((err as RegistryError).code).toMatch(/UNAUTHORIZED|DENIED/);
    expect(log.lines.join('\n')).not.toContain(READER.password);
  });

  test('the token server refusing the password is one clear error', async () => {
    const client = new RegistryClient({
      keychain: staticKeychain({ [registry.host]: { username: 'admin', password: 'nope-nope' } }),
    });
    const err = await client.resolve(parseReference(`${registry.host}/tok/app:1`)).catch((e: unknown) => e);
    await client.close();
    expect((err as Error).message).toMatch(/token server refused user "admin"/);
    expect((err as RegistryError).exitCode).toBe(1);
  });
});
