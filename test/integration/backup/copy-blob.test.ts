import { randomBytes } from 'node:crypto';
import { parseRepository, RegistryClient, RegistryError } from '../../../steps/lib/oci/index.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { blobOf } from '../../helpers/image-content.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder } from '../../helpers/seed.js';

let source: TestRegistry;
let target: TestRegistry;
let proxy: FaultProxy;
const blob = blobOf('application/octet-stream', randomBytes(3 * 1024 * 1024));

beforeAll(async () => {
  [source, target] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy({ target: source.url });
  await createSeeder(source).pushBlob('src/app', blob);
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

const fast = { retry: { minDelayMs: 10, maxDelayMs: 20 } };

test('copyBlob streams a blob from one registry to another, digest-identical', async () => {
  const client = new RegistryClient(fast);
  try {
    await client.copyBlob(
      parseRepository(`${source.host}/src/app`),
      parseRepository(`${target.host}/dst/app`),
      blob.descriptor.digest,
      blob.descriptor.size,
    );
    const copied = await createSeeder(target).http.request(
      'GET',
      `/v2/dst/app/blobs/${blob.descriptor.digest}`,
    );
    expect(copied.status).toBe(200);
    expect(copied.body.equals(blob.bytes)).toBe(true);
  } finally {
    await client.close();
  }
});

test('a download cut half-way is retried as a whole transfer and lands intact', async () => {
  const client = new RegistryClient(fast);
  let cut = 0;
  proxy.setPlan({
    script: (req) =>
      req.method === 'GET' && req.path.includes('/blobs/') && cut++ === 0 ? 'truncate' : undefined,
  });
  proxy.resetCounts();
  try {
    await client.copyBlob(
      parseRepository(`${proxy.host}/src/app`),
      parseRepository(`${target.host}/dst/cut`),
      blob.descriptor.digest,
      blob.descriptor.size,
    );
    const gets = proxy.log().filter((e) => e.method === 'GET' && e.path.includes('/blobs/'));
    expect(gets.map((g) => g.fault ?? 'ok')).toEqual(['truncate', 'ok']);
    const copied = await createSeeder(target).http.request(
      'GET',
      `/v2/dst/cut/blobs/${blob.descriptor.digest}`,
    );
    expect(copied.body.equals(blob.bytes)).toBe(true);
  } finally {
    proxy.setPlan(undefined);
    await client.close();
  }
});

test('a blob the source does not have is a permanent not-found, not retried', async () => {
  const client = new RegistryClient(fast);
  const missing = `sha256:${'0'.repeat(63)}1`;
  proxy.resetCounts();
  try {
    const err = await client
      .copyBlob(
        parseRepository(`${proxy.host}/src/app`),
        parseRepository(`${target.host}/dst/app`),
        missing,
        10,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).notFound).toBe(true);
    expect(proxy.log().filter((e) => e.path.includes(missing))).toHaveLength(1);
  } finally {
    await client.close();
  }
});

test('hasReferrersApi: distribution 2.8 has none', async () => {
  const client = new RegistryClient();
  try {
    expect(await client.hasReferrersApi(parseRepository(`${source.host}/src/app`))).toBe(false);
  } finally {
    await client.close();
  }
});
