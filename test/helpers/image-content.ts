import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export type ImageFormat = 'oci' | 'docker';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface ImageConfigInput {
  /** RFC 3339; default a fixed date so the same input gives the same digest. */
  created?: string;
  labels?: Record<string, string>;
  architecture?: string;
  os?: string;
}

export interface BuiltManifest {
  mediaType: string;
  body: Buffer;
  digest: string;
  /** Blobs the manifest references, to push before it. */
  blobs: Blob[];
}

export interface BuiltImage extends BuiltManifest {
  config: Blob;
  layers: Blob[];
}

export const DEFAULT_CREATED = '2024-01-01T00:00:00Z';
const EMPTY_JSON = Buffer.from('{}');

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blobOf(mediaType: string, bytes: Buffer): Blob {
  return { descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}

function manifestOf(mediaType: string, document: Record<string, unknown>, blobs: Blob[]): BuiltManifest {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, ...document }));
  return { mediaType, body, digest: sha256Digest(body), blobs };
}

/**
 * A runnable-shaped image: config with rootfs diff_ids and history, layers as given (uncompressed tar) for OCI,
 * gzip-compressed for Docker because schema 2 only names a gzip layer type.
 */
export function buildImage(
  format: ImageFormat,
  layerTars: readonly Buffer[],
  input: ImageConfigInput = {},
): BuiltImage {
  const created = input.created ?? DEFAULT_CREATED;
  const layers = layerTars.map((tar) =>
    format === 'oci' ? blobOf(MediaType.ociLayerTar, tar) : blobOf(MediaType.dockerLayerGzip, gzipSync(tar)),
  );
  const configDocument = {
    created,
    architecture: input.architecture ?? 'amd64',
    os: input.os ?? 'linux',
    config: { Labels: input.labels ?? {} },
    rootfs: { type: 'layers', diff_ids: layerTars.map(sha256Digest) },
    history: layerTars.map(() => ({ created, created_by: 'image-lifecycle test seed' })),
  };
  const config = blobOf(
    format === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig,
    Buffer.from(JSON.stringify(configDocument)),
  );
  const manifest = manifestOf(
    format === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest,
    { config: config.descriptor, layers: layers.map((layer) => layer.descriptor) },
    [config, ...layers],
  );
  return { ...manifest, config, layers };
}

export function buildIndex(format: ImageFormat, children: readonly Descriptor[]): BuiltManifest {
  return manifestOf(
    format === 'oci' ? MediaType.ociIndex : MediaType.dockerList,
    { manifests: children },
    [],
  );
}

export interface ArtifactInput {
  subject: Descriptor;
  artifactType: string;
  annotations?: Record<string, string>;
  /** The artifact's content as one layer; without it the layer is the empty descriptor, as image-spec 1.1 advises. */
  payload?: { mediaType: string; bytes: Buffer };
}

/** An image-spec 1.1 artifact manifest: empty config, artifactType, and a subject that makes it a referrer. */
export function buildArtifact(input: ArtifactInput): BuiltManifest {
  const empty = blobOf(MediaType.ociEmpty, EMPTY_JSON);
  const layer = input.payload ? blobOf(input.payload.mediaType, input.payload.bytes) : empty;
  return manifestOf(
    MediaType.ociManifest,
    {
      artifactType: input.artifactType,
      config: empty.descriptor,
      layers: [layer.descriptor],
      subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    layer === empty ? [empty] : [empty, layer],
  );
}

/** The tag of the referrers tag schema (OCI distribution spec 1.1 fallback): `sha256-<hex>`. */
export function referrersFallbackTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-');
}

/** The fallback index with one more referrer; an entry for the same digest is replaced in place, not doubled. */
export function withReferrer(existing: Descriptor[], referrer: Descriptor): BuiltManifest {
  const known = existing.some((entry) => entry.digest === referrer.digest);
  const manifests = known
    ? existing.map((entry) => (entry.digest === referrer.digest ? referrer : entry))
    : [...existing, referrer];
  return buildIndex('oci', manifests);
}
