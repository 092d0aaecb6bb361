import { mapLimit } from '../concurrency.js';
import { isIndex } from '../oci/media-types.js';
import type { RegistryClient } from '../oci/client.js';
import type { Reference } from '../oci/reference.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';

/** Content-addressed objects a repository stores, by digest, with their sizes. */
export type StoredObjects = Map<string, number>;

export interface RepositoryStorage {
  repository: string;
  bytes: number;
  objects: StoredObjects;
}

const CONCURRENCY = 4;

/** Sum of sizes, each digest once, across any number of object sets. */
export function uniqueBytes(...sets: ReadonlyArray<ReadonlyMap<string, number>>): number {
  const all = new Map<string, number>();
  for (const set of sets) for (const [digest, size] of set) all.set(digest, size);
  let total = 0;
  for (const size of all.values()) total += size;
  return total;
}

/**
 * What a repository's tags keep alive: every manifest (indexes and their children), config and layer
 * reachable from a tag, each digest once however many tags or images share it. Untagged manifests are
 * left out (garbage collection may remove them), and so are foreign layers (`urls`), which the registry
 * does not store.
 */
export async function repositoryStorage(
  client: RegistryClient,
  repository: Reference,
): Promise<RepositoryStorage> {
  const objects: StoredObjects = new Map();
  const visit = async (ref: Reference): Promise<void> => {
    if (ref.digest && objects.has(ref.digest)) return;
    const { descriptor, manifest, body } = await client.getManifest(ref);
    if (objects.has(descriptor.digest)) return;
    objects.set(descriptor.digest, body.length);
    if (isIndex(descriptor.mediaType) || 'manifests' in manifest) {
      for (const child of (manifest as ImageIndex).manifests)
        await visit(repository.withDigest(child.digest));
      return;
    }
    const image = manifest as ImageManifest;
    for (const blob of [image.config, ...(image.layers ?? [])]) addBlob(objects, blob);
  };
  const tags = await client.listTags(repository);
  await mapLimit(tags, CONCURRENCY, (tag) => visit(repository.withTag(tag)));
  return { repository: repository.repository, bytes: uniqueBytes(objects), objects };
}

function addBlob(objects: StoredObjects, blob: Descriptor | undefined): void {
  if (!blob || blob.urls?.length) return;
  objects.set(blob.digest, blob.size);
}
