import { mapLimit, onceByKey } from '../concurrency.js';
import { UsageError } from '../errors.js';
import {
  isIndex,
  type Descriptor,
  type ManifestResult,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';

const CONCURRENCY = 8;

/**
 * Makes the manifest `manifest` (read from `source`) exist by digest in `target`, a repository of the same
 * registry, without moving layer bytes: blobs come over by cross-repository mount (copied only where the
 * registry will not mount), and an index brings each child manifest first, so a multi-arch image stays whole.
 * A blob the children share is mounted once: distribution rewrites a blob's link file on every mount, and
 * a manifest PUT that reads it mid-write fails with digest_invalid. Returns false when the target already had it.
 */
export async function mountManifest(
  client: RegistryClient,
  source: Reference,
  target: Reference,
  manifest: ManifestResult,
): Promise<boolean> {
  if (source.registry !== target.registry) {
    throw new UsageError(
      `${target.context()}: tags can only point into a repository of the image's own registry (${source.registry})`,
    );
  }
  const mountOnce = onceByKey<void>();
  const place = async (m: ManifestResult): Promise<boolean> => {
    const digest = m.descriptor.digest;
    if (await client.exists(target.withDigest(digest))) return false;
    if (isIndex(m.descriptor.mediaType) && 'manifests' in m.manifest) {
      await mapLimit(m.manifest.manifests, CONCURRENCY, async (child) => {
        await place(await client.getManifest(source.withDigest(child.digest)));
      });
    } else if ('config' in m.manifest) {
      const blobs = [m.manifest.config, ...m.manifest.layers].filter(isDistributable);
      await mapLimit(blobs, CONCURRENCY, (blob) =>
        mountOnce(blob.digest, () => mountBlob(client, source, target, blob)),
      );
    }
    await client.putManifest(target.withDigest(digest), m.body, m.descriptor.mediaType);
    return true;
  };
  return place(manifest);
}

/** Foreign layers (with `urls`) are not in the registry; the manifest points elsewhere for them. */
function isDistributable(d: Descriptor): boolean {
  return !d.urls?.length;
}

async function mountBlob(
  client: RegistryClient,
  source: Reference,
  target: Reference,
  blob: Descriptor,
): Promise<void> {
  if (await client.mountBlob(target, blob.digest, source.repository)) return;
  if (await client.headBlob(target, blob.digest)) return;
  await client.pushBlob(target, await client.getBlob(source, blob.digest), blob.digest);
}
