import type { Credentials } from './credentials.js';
import {
  MediaType,
  buildArtifact,
  buildImage,
  buildIndex,
  referrersFallbackTag,
  withReferrer,
  type Blob,
  type BuiltManifest,
  type Descriptor,
  type ImageConfigInput,
  type ImageFormat,
  type Platform,
} from './image-content.js';
import { RegistryHttp } from './registry-http.js';
import { tarArchive } from './tar.js';

export interface PushedManifest {
  repo: string;
  /** The Docker-Content-Digest the registry answered. */
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
}

export interface PushedImage extends PushedManifest {
  tag?: string;
  configDigest: string;
  layerDigests: string[];
}

export interface PushedIndex extends PushedManifest {
  tag: string;
  children: PushedImage[];
}

export interface PushedReferrer extends PushedManifest {
  /** The descriptor a referrers listing holds for this artifact. */
  descriptor: Descriptor;
  fallbackTag?: string;
}

export interface PushImageOptions {
  repo: string;
  /** Without a tag the image is pushed by digest only. */
  tag?: string;
  /** Uncompressed tar layers; default one small file naming the repository. */
  layers?: Buffer[];
  config?: ImageConfigInput;
  format?: ImageFormat;
}

export interface PushIndexOptions {
  repo: string;
  tag: string;
  platforms: Platform[];
  format?: ImageFormat;
}

export interface PushReferrerOptions {
  repo: string;
  subject: Descriptor;
  artifactType: string;
  annotations?: Record<string, string>;
  payload?: { mediaType: string; bytes: Buffer };
  /** Also record the referrer in the `sha256-<hex>` tag index, for registries without the referrers API. */
  fallbackTag?: boolean;
}

export interface PushTagsOptions {
  prefix?: string;
  format?: ImageFormat;
  concurrency?: number;
}

const MANIFEST_ACCEPT = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerList,
].join(', ');

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function descriptorOf(pushed: PushedManifest): Descriptor {
  return { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
}

/**
 * Puts content into a test registry over plain HTTP, without the client under test, so a client bug cannot
 * hide behind a seeding bug. Credentials are used when the registry challenges (Basic or Bearer).
 */
export class Seeder {
  readonly http: RegistryHttp;

  constructor(registryUrl: string, credentials?: Credentials) {
    this.http = new RegistryHttp(registryUrl, credentials);
  }

  async pushBlob(repo: string, blob: Blob): Promise<Descriptor> {
    const scope = `repository:${repo}:pull,push`;
    const blobPath = `/v2/${repo}/blobs/${blob.descriptor.digest}`;
    if ((await this.http.request('HEAD', blobPath, { scope })).status === 200) return blob.descriptor;
    const started = await this.http.expect([202], 'POST', `/v2/${repo}/blobs/uploads/`, { scope });
    const location = started.headers.get('location');
    if (!location) throw new Error(`POST /v2/${repo}/blobs/uploads/: 202 without Location`);
    const upload = new URL(this.http.url(location));
    upload.searchParams.set('digest', blob.descriptor.digest);
    await this.http.expect([201], 'PUT', upload.toString(), {
      scope,
      body: blob.bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    return blob.descriptor;
  }

  async putRawManifest(
    repo: string,
    reference: string,
    body: Buffer | string,
    mediaType: string,
  ): Promise<PushedManifest> {
    const bytes = Buffer.from(body);
    const result = await this.http.expect([201], 'PUT', `/v2/${repo}/manifests/${reference}`, {
      scope: `repository:${repo}:pull,push`,
      body: bytes,
      headers: { 'content-type': mediaType },
    });
    const digest = result.headers.get('docker-content-digest');
    if (!digest) throw new Error(`PUT /v2/${repo}/manifests/${reference}: 201 without Docker-Content-Digest`);
    return { repo, digest, mediaType, size: bytes.length, body: bytes };
  }

  async getManifest(
    repo: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; body: Buffer } | undefined> {
    const result = await this.http.expect([200, 404], 'GET', `/v2/${repo}/manifests/${reference}`, {
      scope: `repository:${repo}:pull`,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (result.status === 404) return undefined;
    return {
      digest: result.headers.get('docker-content-digest') ?? '',
      mediaType: result.headers.get('content-type') ?? '',
      body: result.body,
    };
  }

  async pushImage(options: PushImageOptions): Promise<PushedImage> {
    const layers = options.layers ?? [tarArchive({ 'etc/seeded-image': `seeded for ${options.repo}\n` })];
    const image = buildImage(options.format ?? 'oci', layers, options.config);
    const pushed = await this.pushManifest(options.repo, options.tag ?? image.digest, image);
    return {
      ...pushed,
      tag: options.tag,
      configDigest: image.config.descriptor.digest,
      layerDigests: image.layers.map((layer) => layer.descriptor.digest),
    };
  }

  /** A multi-platform index tagged `tag`; its per-platform images are pushed by digest, untagged. */
  async pushIndex(options: PushIndexOptions): Promise<PushedIndex> {
    const format = options.format ?? 'oci';
    const children: PushedImage[] = [];
    for (const platform of options.platforms) {
      children.push(
        await this.pushImage({
          repo: options.repo,
          format,
          config: { os: platform.os, architecture: platform.architecture },
        }),
      );
    }
    const index = buildIndex(
      format,
      children.map((child, i) => ({ ...descriptorOf(child), platform: options.platforms[i] })),
    );
    const pushed = await this.pushManifest(options.repo, options.tag, index);
    return { ...pushed, tag: options.tag, children };
  }

  async pushArtifactReferrer(options: PushReferrerOptions): Promise<PushedReferrer> {
    const artifact = buildArtifact(options);
    const pushed = await this.pushManifest(options.repo, artifact.digest, artifact);
    const descriptor: Descriptor = {
      ...descriptorOf(pushed),
      artifactType: options.artifactType,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    };
    if (!options.fallbackTag) return { ...pushed, descriptor };

    const tag = referrersFallbackTag(options.subject.digest);
    const existing = await this.getManifest(options.repo, tag);
    const entries = existing
      ? ((JSON.parse(existing.body.toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [])
      : [];
    await this.pushManifest(options.repo, tag, withReferrer(entries, descriptor));
    return { ...pushed, descriptor, fallbackTag: tag };
  }

  /** `count` tags on one image, named so that lexical order is numeric order (t001 … t120). */
  async pushTags(
    repo: string,
    count: number,
    options: PushTagsOptions = {},
  ): Promise<{ tags: string[]; image: PushedImage }> {
    const width = String(count).length;
    const tags = Array.from(
      { length: count },
      (_, i) => `${options.prefix ?? 't'}${String(i + 1).padStart(width, '0')}`,
    );
    const [first, ...rest] = tags;
    if (first === undefined) throw new Error('pushTags: count must be at least 1');
    const image = await this.pushImage({ repo, tag: first, format: options.format });
    await forEachLimited(rest, options.concurrency ?? 8, async (tag) => {
      await this.putRawManifest(repo, tag, image.body, image.mediaType);
    });
    return { tags, image };
  }

  private async pushManifest(
    repo: string,
    reference: string,
    manifest: BuiltManifest,
  ): Promise<PushedManifest> {
    for (const blob of manifest.blobs) await this.pushBlob(repo, blob);
    const pushed = await this.putRawManifest(repo, reference, manifest.body, manifest.mediaType);
    if (pushed.digest !== manifest.digest) {
      throw new Error(`registry stored ${repo} manifest as ${pushed.digest}, expected ${manifest.digest}`);
    }
    return pushed;
  }
}

export function createSeeder(registry: { url: string }, credentials?: Credentials): Seeder {
  return new Seeder(registry.url, credentials);
}
