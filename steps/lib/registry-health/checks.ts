import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { EMPTY_CONFIG, OCI_MANIFEST } from '../oci/media-types.js';
import type { RegistryClient } from '../oci/client.js';
import type { Reference } from '../oci/reference.js';
import type { ImageManifest } from '../oci/types.js';
import type { Logger } from '../tekton/log.js';
import type { CheckResult, Operation } from './evaluate.js';
import { repositoryStorage, uniqueBytes, type RepositoryStorage } from './storage.js';

export interface HealthOptions {
  registry: string;
  /** /v2/ round trips to time. */
  samples: number;
  /** A known image: its repository's tags are listed, its manifest fetched and its config blob pulled. */
  canary?: Reference;
  /** A repository the check may write to: a small artifact is pushed there and deleted again. */
  scratch?: Reference;
  /** Repositories whose storage is measured. */
  storage: Reference[];
}

export interface HealthMeasurements {
  checks: CheckResult[];
  operations: Operation[];
  storage: RepositoryStorage[];
  /** Unique bytes across the measured repositories: shared blobs are stored once. */
  storageTotal?: number;
}

export const HEALTH_ARTIFACT_TYPE = 'application/vnd.image-lifecycle.health-check.v1';

/**
 * Runs every check against the registry and times each call. A failing check is recorded, not thrown:
 * an unhealthy registry is the answer this step exists to give. Checks after a failed ping are skipped,
 * because they would fail for the same reason.
 */
export async function runHealthChecks(
  client: RegistryClient,
  options: HealthOptions,
  log: Logger,
): Promise<HealthMeasurements> {
  const checks: CheckResult[] = [];
  const operations: Operation[] = [];
  const timed = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const value = await fn();
    operations.push({ operation, seconds: (performance.now() - start) / 1000 });
    return value;
  };
  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (err) {
      checks.push({ name, ok: false, detail: errorMessage(err) });
      return false;
    }
  };

  const reachable = await check('ping', async () => {
    for (let i = 0; i < options.samples; i++) await timed('ping', () => client.ping(options.registry));
    return `/v2/ answered ${options.samples} times`;
  });
  if (!reachable) return { checks, operations, storage: [] };

  const canary = options.canary;
  if (canary) {
    await check('tags', async () => {
      const tags = await timed('tags-list', () => client.listTags(canary));
      return `${tags.length} tags in ${canary.repository}`;
    });
    let config: string | undefined;
    await check('manifest', async () => {
      const { manifest, descriptor } = await timed('manifest-get', () => client.getManifest(canary));
      config = (manifest as ImageManifest).config?.digest;
      return `${canary} is ${descriptor.digest}`;
    });
    if (config) {
      const digest = config;
      await check('blob', async () => {
        const bytes = await timed('blob-get', () => client.getBlob(canary, digest));
        return `pulled ${digest} (${bytes.length} bytes)`;
      });
    }
  }

  const scratch = options.scratch;
  if (scratch) await check('push-delete', () => roundTrip(client, scratch, timed));

  const storage: RepositoryStorage[] = [];
  for (const repository of options.storage) {
    await check(`storage ${repository.repository}`, async () => {
      const measured = await timed('storage-walk', () => repositoryStorage(client, repository));
      storage.push(measured);
      return `${measured.bytes} bytes in ${measured.objects.size} objects`;
    });
  }
  log.debug(`registry-health: ${operations.length} timed calls`);
  const measured = { checks, operations, storage };
  return storage.length
    ? { ...measured, storageTotal: uniqueBytes(...storage.map((s) => s.objects)) }
    : measured;
}

type Timer = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

/** Pushes a tiny artifact by digest (no tag to clean up), reads it back, deletes it and checks it is gone. */
async function roundTrip(client: RegistryClient, scratch: Reference, timed: Timer): Promise<string> {
  const payload = randomBytes(32);
  const layer = {
    mediaType: 'application/octet-stream',
    digest: sha256Digest(payload),
    size: payload.length,
  };
  await timed('blob-push', () => client.pushBlob(scratch, payload));
  await timed('blob-push', () => client.pushBlob(scratch, Buffer.from('{}')));
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: HEALTH_ARTIFACT_TYPE,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size },
    layers: [layer],
  });
  const target = scratch.withDigest(sha256Digest(body));
  await timed('manifest-put', () => client.putManifest(target, body, OCI_MANIFEST));
  await timed('manifest-get', () => client.getManifest(target));
  await timed('manifest-delete', () => client.deleteManifest(target));
  if (await client.exists(target)) throw new Error(`${target} is still there after DELETE`);
  return `pushed, read and deleted ${target.digest} in ${scratch.repository}`;
}
