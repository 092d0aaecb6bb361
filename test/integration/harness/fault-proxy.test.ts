import { randomBytes } from 'node:crypto';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import type { FaultKind } from '../../helpers/faults.js';
import { blobOf, sha256Digest } from '../../helpers/image-content.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';

let registry: TestRegistry;
let proxy: FaultProxy;
let image: PushedImage;
const bigLayer = randomBytes(256 * 1024);

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
  image = await createSeeder(registry).pushImage({ repo: 'faults/app', tag: 'v1', layers: [bigLayer] });
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => {
  proxy.setPlan(undefined);
  proxy.resetCounts();
});

const manifestPath = '/v2/faults/app/manifests/v1';
const blobPath = (): string => `/v2/faults/app/blobs/${image.layerDigests[0]}`;

function viaProxy(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${proxy.url}${path}`, { ...init, headers: { accept: image.mediaType, ...init.headers } });
}

async function registrySaw(path: string, during: () => Promise<unknown>): Promise<number> {
  const before = (await registry.settledAccessLog()).length;
  await during();
  return (await registry.settledAccessLog()).slice(before).filter((line) => line.includes(` ${path} `))
    .length;
}

test('without faults the proxy is transparent: status, headers and a streamed body arrive intact', async () => {
  const manifest = await viaProxy(manifestPath);
  expect(manifest.status).toBe(200);
  expect(manifest.headers.get('docker-content-digest')).toBe(image.digest);
  const blob = Buffer.from(await (await viaProxy(blobPath())).arrayBuffer());
  expect(sha256Digest(blob)).toBe(image.layerDigests[0]);
  expect(proxy.counts()).toMatchObject({ requests: 2, forwarded: 2 });
});

test('uploads through the proxy stay on the proxy: Host is kept, so Location points back at it', async () => {
  const blob = blobOf('application/octet-stream', randomBytes(200 * 1024));
  const seeder = createSeeder({ url: proxy.url });
  await seeder.pushBlob('faults/upload', blob);
  const started = proxy.log().find((entry) => entry.method === 'POST');
  expect(started?.status).toBe(202);
  expect(proxy.log().find((entry) => entry.method === 'PUT')).toMatchObject({
    path: expect.stringContaining(`digest=${encodeURIComponent(blob.descriptor.digest)}`),
    status: 201,
  });
  const stored = Buffer.from(
    await (await fetch(`${registry.url}/v2/faults/upload/blobs/${blob.descriptor.digest}`)).arrayBuffer(),
  );
  expect(stored.equals(blob.bytes)).toBe(true);
});

test('429 answers with Retry-After and TOOMANYREQUESTS without reaching the registry', async () => {
  proxy.setPlan({ script: [{ kind: '429', retryAfterSeconds: 7 }] });
  let response: Response | undefined;
  const seen = await registrySaw(manifestPath, async () => {
    response = await viaProxy(manifestPath);
  });
  expect(response?.status).toBe(429);
  expect(response?.headers.get('retry-after')).toBe('7');
  expect(await response?.json()).toEqual({
    errors: [{ code: 'TOOMANYREQUESTS', message: expect.any(String) }],
  });
  expect(seen).toBe(0);
  expect((await viaProxy(manifestPath)).status).toBe(200);
  expect(proxy.counts().faults['429']).toBe(1);
});

test('503 fails one request; the next one goes through', async () => {
  proxy.setPlan({ script: ['503'] });
  expect((await viaProxy(manifestPath)).status).toBe(503);
  expect((await viaProxy(manifestPath)).status).toBe(200);
  expect(proxy.counts()).toMatchObject({ requests: 2, forwarded: 1, faults: { '503': 1 } });
});

test('reset cuts the connection before any answer', async () => {
  proxy.setPlan({ script: ['reset'] });
  await expect(viaProxy(manifestPath)).rejects.toThrow(/fetch failed/);
  expect(proxy.log()[0]).toEqual({ index: 0, method: 'GET', path: manifestPath, fault: 'reset' });
});

test('truncate sends the full Content-Length, then half the body, then cuts', async () => {
  proxy.setPlan({ script: ['truncate'] });
  const response = await viaProxy(blobPath());
  expect(response.status).toBe(200);
  expect(response.headers.get('content-length')).toBe(String(bigLayer.length));
  await expect(response.arrayBuffer()).rejects.toThrow();
  expect(proxy.counts().faults.truncate).toBe(1);
});

test('truncate on a response without a body becomes a reset, and is counted as one', async () => {
  proxy.setPlan({ script: ['truncate'] });
  await expect(viaProxy(manifestPath, { method: 'HEAD' })).rejects.toThrow(/fetch failed/);
  expect(proxy.counts().faults).toMatchObject({ truncate: 0, reset: 1 });
});

test('delay holds the request before forwarding it', async () => {
  proxy.setPlan({ script: [{ kind: 'delay', ms: 300 }] });
  const started = Date.now();
  const response = await viaProxy(manifestPath);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(response.status).toBe(200);
  expect(proxy.counts()).toMatchObject({ forwarded: 1, faults: { delay: 1 } });
});

test('persistent503 starts an outage that lasts until recover()', async () => {
  proxy.setPlan({ script: ['persistent503'] });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await viaProxy(manifestPath)).status);
  expect(statuses).toEqual([503, 503, 503, 503]);
  expect(proxy.counts()).toMatchObject({ forwarded: 0, faults: { persistent503: 4 } });
  proxy.recover();
  expect((await viaProxy(manifestPath)).status).toBe(200);
});

test('a script function picks faults per request, e.g. only uploads', async () => {
  proxy.setPlan({ script: (request) => (request.method === 'PUT' ? '503' : undefined) });
  const blob = blobOf('application/octet-stream', randomBytes(1024));
  await expect(createSeeder({ url: proxy.url }).pushBlob('faults/scripted', blob)).rejects.toThrow(/503/);
  expect(proxy.log().map((entry) => [entry.method, entry.status])).toEqual([
    ['HEAD', 404],
    ['POST', 202],
    ['PUT', 503],
  ]);
});

test('a seeded plan injects the same faults for the same seed, at about the asked rate', async () => {
  const kinds: FaultKind[] = ['429', '503', 'delay'];
  const run = async (): Promise<Array<string | undefined>> => {
    proxy.setPlan({ seed: 42, rate: 0.3, kinds, delayMs: 5, retryAfterSeconds: 1 });
    proxy.resetCounts();
    for (let i = 0; i < 40; i += 1) await viaProxy(manifestPath, { method: 'HEAD' });
    return proxy.log().map((entry) => entry.fault);
  };
  const first = await run();
  const second = await run();
  expect(second).toEqual(first);
  const faulted = first.filter(Boolean).length;
  expect(faulted).toBeGreaterThan(3);
  expect(faulted).toBeLessThan(25);
  const counts = proxy.counts();
  expect(counts.faults['429'] + counts.faults['503'] + counts.faults.delay).toBe(faulted);
  expect(counts.forwarded).toBe(40 - counts.faults['429'] - counts.faults['503']);
});
