import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { RegistryClient, parseReference, RegistryError } from '../../../steps/lib/oci/index.js';
import { memoryLogger } from '../../../steps/lib/tekton/log.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let digest: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  digest = (await createSeeder(registry).pushImage({ repo: 'f/app', tag: '1' })).digest;
  proxy = await startFaultProxy({ target: registry.url });
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

const fastRetries = { minDelayMs: 10, maxDelayMs: 50 };

test('a burst of 429 (Retry-After honoured) and 503 is retried to success', async () => {
  await new RegistryClient().ping(proxy.host); // learn the scheme before faults start
  proxy.setPlan({ script: ['429', '503', { kind: '429', retryAfterSeconds: 1 }, '503'] });
  const log = memoryLogger();
  const client = new RegistryClient({ retry: fastRetries, log });
  const started = Date.now();
  const resolved = await client.resolve(parseReference(`${proxy.host}/f/app:1`));
  await client.close();
  expect(resolved.digest).toBe(digest);
  expect(proxy.counts().faults['429']).toBe(2);
  expect(proxy.counts().faults['503']).toBe(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // two Retry-After: 1 waits
  expect(log.lines.filter((l) => l.includes('retrying'))).toHaveLength(4);
});

test('resets and truncated bodies are retried; the fetched manifest is intact', async () => {
  proxy.setPlan({ script: ['reset', 'truncate', 'reset'] });
  const client = new RegistryClient({ retry: fastRetries });
  const got = await client.getManifest(parseReference(`${proxy.host}/f/app:1`));
  await client.close();
  expect(got.descriptor.digest).toBe(digest);
});

test('a persistent 503 ends as a transient RegistryError (exit 3) after bounded retries', async () => {
  proxy.resetCounts();
  proxy.setPlan({ script: ['persistent503'] });
  const client = new RegistryClient({ retry: { ...fastRetries, retries: 3 } });
  const err = await client.resolve(parseReference(`${proxy.host}/f/app:1`)).catch((e: unknown) => e);
  await client.close();
  proxy.recover();
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).exitCode).toBe(3);
  expect((err as Error).message).toMatch(/gave up after retries/);
  expect(proxy.counts().requests).toBe(4); // the first try and 3 retries, the ping included
});
