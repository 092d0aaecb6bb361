import { RegistryError } from './errors.js';
import { EMPTY_CONFIG, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { type RegistryClient, referrersTag } from './client.js';
import type { Reference } from './reference.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';
import { sha256Digest } from './digest.js';

export interface ArtifactLayer {
  mediaType: string;
  data: Buffer;
  annotations?: Record<string, string>;
}

export interface ArtifactSpec {
  artifactType: string;
  layers: ArtifactLayer[];
  /** The image this artifact is about; it then shows up among that image's referrers. */
  subject?: Descriptor;
  annotations?: Record<string, string>;
  /** Tags for the artifact itself, besides making it a referrer. */
  tags?: readonly string[];
}

/**
 * Pushes an OCI artifact (an image manifest with artifactType and the empty config). With a subject, it is
 * findable by the subject's digest: through the referrers API, or, where the registry does not index
 * subjects, by adding it to the `sha256-<hex>` fallback index as OCI distribution 1.1 prescribes.
 */
export async function pushArtifact(
  client: RegistryClient,
  repo: Reference,
  spec: ArtifactSpec,
): Promise<Descriptor> {
  await client.pushBlob(repo, Buffer.from('{}'), EMPTY_CONFIG.digest);
  const layers: Descriptor[] = [];
  for (const layer of spec.layers) {
    const pushed = await client.pushBlob(repo, layer.data);
    layers.push({
      mediaType: layer.mediaType,
      digest: pushed.digest,
      size: pushed.size,
      ...(layer.annotations ? { annotations: layer.annotations } : {}),
    });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: spec.artifactType,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size },
    layers,
    ...(spec.subject
      ? {
          subject: {
            mediaType: spec.subject.mediaType,
            digest: spec.subject.digest,
            size: spec.subject.size,
          },
        }
      : {}),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Digest(body);
  const [first, ...more] = spec.tags ?? [];
  const put = await client.putManifest(
    first ? repo.withTag(first) : repo.withDigest(digest),
    body,
    OCI_MANIFEST,
  );
  // One tag after another, once the blobs are in: concurrent pushes of the same blob into one repository race
  // in the registry's storage (distribution rewrites the blob's link while a manifest PUT reads it).
  for (const tag of more) await client.putManifest(repo.withTag(tag), body, OCI_MANIFEST);
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest,
    size: body.length,
    artifactType: spec.artifactType,
  };
  if (spec.annotations) descriptor.annotations = spec.annotations;
  if (spec.subject && !put.subjectProcessed)
    await addToFallbackIndex(client, repo, spec.subject.digest, descriptor);
  return descriptor;
}

/** Adds a descriptor to the fallback referrers index of `subjectDigest` (read, merge, write). */
export async function addToFallbackIndex(
  client: RegistryClient,
  repo: Reference,
  subjectDigest: string,
  descriptor: Descriptor,
): Promise<void> {
  const existing = await client.fallbackReferrers(repo, subjectDigest);
  if (existing.some((d) => d.digest === descriptor.digest)) return;
  const index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...existing, descriptor] };
  await client.putManifest(
    repo.withTag(referrersTag(subjectDigest)),
    Buffer.from(JSON.stringify(index)),
    OCI_INDEX,
  );
}

/** Reads an artifact's first layer of the given media type, e.g. a JSON report attached to an image. */
export async function readArtifactLayer(
  client: RegistryClient,
  repo: Reference,
  artifact: Descriptor,
  mediaType?: string,
): Promise<Buffer> {
  const { manifest } = await client.getManifest(repo.withDigest(artifact.digest));
  const layers = 'layers' in manifest ? manifest.layers : [];
  const layer = layers.find((l) => !mediaType || l.mediaType === mediaType);
  if (!layer)
    throw new RegistryError(
      `artifact ${artifact.digest} in ${repo.context()} has no ${mediaType ?? ''} layer`,
      404,
      'BLOB_UNKNOWN',
      false,
    );
  return client.getBlob(repo, layer.digest);
}
