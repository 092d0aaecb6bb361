import { UsageError } from '../errors.js';
import { repositoryScope } from './auth/authenticator.js';
import { digestWithAlgorithmOf, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { nextLink } from './link.js';
import { isIndex, MANIFEST_TYPES, OCI_INDEX } from './media-types.js';
import { Reference } from './reference.js';
import { RegistryTransport, type RegistryResponse, type TransportOptions } from './transport.js';
import type { Descriptor, ImageIndex, Manifest } from './types.js';

export interface ManifestResult {
  descriptor: Descriptor;
  manifest: Manifest;
  body: Buffer;
}

export interface Capabilities {
  /** DELETE of manifests by digest is enabled (distribution: storage.delete.enabled). */
  deleteManifests: boolean;
  /** DELETE of a tag alone (OCI distribution spec 1.1); distribution 2.x answers 400/405 instead. */
  deleteTags: boolean;
  /** GET /v2/<name>/referrers/<digest> answers with an index. */
  referrersApi: boolean;
}

const ACCEPT = MANIFEST_TYPES.join(', ');
const ZERO_DIGEST = 'sha256:' + '0'.repeat(64);
const PAGE_SIZE = 1000;

/** The fallback tag that lists referrers where the registry has no referrers API (OCI distribution 1.1). */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/**
 * Registry operations by the OCI distribution spec. One instance per step run: it keeps connections,
 * auth challenges and tokens for every registry it talks to.
 */
export class RegistryClient {
  readonly transport: RegistryTransport;

  constructor(options: TransportOptions = {}) {
    this.transport = new RegistryTransport(options);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private call(
    ref: Reference,
    actions: string,
    req: Omit<Parameters<RegistryTransport['request']>[1], 'scopes'> & { extraScopes?: string[] },
  ) {
    const scopes = [repositoryScope(ref.repository, actions), ...(req.extraScopes ?? [])];
    return this.transport.request(ref.registry, { ...req, scopes });
  }

  async ping(registry: string): Promise<void> {
    await this.transport.request(registry, {
      method: 'GET',
      path: '/v2/',
      scopes: [],
      operation: `ping ${registry}`,
    });
  }

  /** HEAD of a manifest: its descriptor without the body. Falls back to GET for registries that omit the digest. */
  async resolve(ref: Reference): Promise<Descriptor> {
    const res = await this.call(ref, 'pull', {
      method: 'HEAD',
      path: `/v2/${ref.repository}/manifests/${ref.identifier()}`,
      headers: { accept: ACCEPT },
      operation: `resolve ${ref}`,
    });
    const digest = res.headers['docker-content-digest'] ?? ref.digest;
    const mediaType = res.headers['content-type'];
    const size = Number(res.headers['content-length']);
    if (!digest || !mediaType || !Number.isFinite(size)) return (await this.getManifest(ref)).descriptor;
    return { mediaType: mediaType.split(';')[0]!.trim(), digest, size };
  }

  async exists(ref: Reference): Promise<Descriptor | undefined> {
    try {
      return await this.resolve(ref);
    } catch (err) {
      if (err instanceof RegistryError && err.notFound) return undefined;
      throw err;
    }
  }

  /** GET of a manifest, with its body's digest checked against the reference or the registry's header. */
  async getManifest(ref: Reference): Promise<ManifestResult> {
    const res = await this.call(ref, 'pull', {
      method: 'GET',
      path: `/v2/${ref.repository}/manifests/${ref.identifier()}`,
      headers: { accept: ACCEPT },
      operation: `get manifest ${ref}`,
    });
    return parseManifestResponse(ref, res);
  }

  async putManifest(
    ref: Reference,
    body: Buffer | string,
    mediaType: string,
  ): Promise<Descriptor & { subjectProcessed: boolean }> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const digest = sha256Digest(bytes);
    if (ref.digest && ref.digest !== digest) {
      throw new UsageError(
        `put manifest ${ref}: the body's digest is ${digest}, not the one the reference names`,
      );
    }
    const res = await this.call(ref, 'pull,push', {
      method: 'PUT',
      path: `/v2/${ref.repository}/manifests/${ref.identifier()}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      operation: `put manifest ${ref}`,
    });
    const answered = res.headers['docker-content-digest'];
    if (answered && answered !== digest) {
      throw new RegistryError(
        `put manifest ${ref}: registry stored ${answered}, expected ${digest}`,
        res.status,
        'DIGEST_INVALID',
        false,
      );
    }
    // OCI-Subject: the registry indexed the manifest's subject itself, so no fallback tag is needed.
    return {
      mediaType,
      digest,
      size: bytes.length,
      subjectProcessed: res.headers['oci-subject'] !== undefined,
    };
  }

  /** Deletes a manifest by digest (every tag on it goes too) or, where supported, a tag alone. 404 counts as done. */
  async deleteManifest(ref: Reference): Promise<'deleted' | 'absent'> {
    const res = await this.call(ref, 'delete', {
      method: 'DELETE',
      path: `/v2/${ref.repository}/manifests/${ref.identifier()}`,
      accept: [404, 405],
      operation: `delete ${ref}`,
    });
    if (res.status === 405) {
      throw new RegistryError(
        `delete ${ref}: ${ref.registry} does not allow deleting manifests (HTTP 405; distribution needs storage.delete.enabled: true)`,
        405,
        'UNSUPPORTED',
        false,
      );
    }
    return res.status === 404 ? 'absent' : 'deleted';
  }

  /** Every tag of a repository, following Link pagination to the end. */
  async listTags(ref: Reference, pageSize = PAGE_SIZE): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${ref.repository}/tags/list?n=${pageSize}`;
    while (path) {
      const res = await this.call(ref, 'pull', {
        method: 'GET',
        path,
        operation: `list tags of ${ref.context()}`,
      });
      const page = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(page.tags ?? []));
      const next = nextLink(res.headers.link, res.url);
      path = next && next !== res.url ? next : undefined;
    }
    return tags;
  }

  /** Every repository the registry lists (needs catalog access; many registries restrict it). */
  async catalog(registry: string, pageSize = PAGE_SIZE): Promise<string[]> {
    const repositories: string[] = [];
    let path: string | undefined = `/v2/_catalog?n=${pageSize}`;
    while (path) {
      const res = await this.transport.request(registry, {
        method: 'GET',
        path,
        scopes: ['registry:catalog:*'],
        operation: `catalog of ${registry}`,
      });
      const page = JSON.parse(res.body.toString('utf8')) as { repositories?: string[] | null };
      repositories.push(...(page.repositories ?? []));
      const next = nextLink(res.headers.link, res.url);
      path = next && next !== res.url ? next : undefined;
    }
    return repositories;
  }

  async headBlob(ref: Reference, digest: string): Promise<Descriptor | undefined> {
    const res = await this.call(ref, 'pull', {
      method: 'HEAD',
      path: `/v2/${ref.repository}/blobs/${digest}`,
      accept: [404],
      operation: `check blob ${digest} in ${ref.context()}`,
    });
    if (res.status === 404) return undefined;
    return {
      mediaType: res.headers['content-type'] ?? 'application/octet-stream',
      digest,
      size: Number(res.headers['content-length'] ?? 0),
    };
  }

  /** Downloads a blob and checks its digest. */
  async getBlob(ref: Reference, digest: string): Promise<Buffer> {
    const res = await this.call(ref, 'pull', {
      method: 'GET',
      path: `/v2/${ref.repository}/blobs/${digest}`,
      operation: `get blob ${digest} from ${ref.context()}`,
    });
    const actual = digestWithAlgorithmOf(digest, res.body);
    if (actual && actual !== digest) {
      throw new RegistryError(
        `get blob ${digest} from ${ref.context()}: content digest is ${actual}`,
        res.status,
        'DIGEST_MISMATCH',
        false,
      );
    }
    return res.body;
  }

  /** Uploads a blob in one PUT unless the repository has it already. */
  async pushBlob(ref: Reference, data: Buffer, digest = sha256Digest(data)): Promise<Descriptor> {
    if (await this.headBlob(ref, digest))
      return { mediaType: 'application/octet-stream', digest, size: data.length };
    return this.uploadBlob(ref, data, digest);
  }

  /** Uploads a blob in one POST + PUT, without asking first; for callers that just checked it is missing. */
  async uploadBlob(ref: Reference, data: Buffer, digest = sha256Digest(data)): Promise<Descriptor> {
    const start = await this.call(ref, 'pull,push', {
      method: 'POST',
      path: `/v2/${ref.repository}/blobs/uploads/`,
      operation: `start upload to ${ref.context()}`,
    });
    await this.finishUpload(ref, start, data, digest);
    return { mediaType: 'application/octet-stream', digest, size: data.length };
  }

  /**
   * Makes a blob of another repository on the same registry available here without moving bytes.
   * Returns false when the registry would not mount (the caller then copies the blob).
   */
  async mountBlob(ref: Reference, digest: string, fromRepository: string): Promise<boolean> {
    const res = await this.call(ref, 'pull,push', {
      method: 'POST',
      path: `/v2/${ref.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`,
      extraScopes: [repositoryScope(fromRepository, 'pull')],
      operation: `mount ${digest} from ${fromRepository} into ${ref.context()}`,
    });
    if (res.status === 201) return true;
    // 202: the registry opened an upload instead; close it so it does not linger.
    const location = res.headers.location;
    if (location) {
      await this.call(ref, 'pull,push', {
        method: 'DELETE',
        path: new URL(location, res.url).toString(),
        accept: [404, 405],
        operation: `cancel upload in ${ref.context()}`,
      });
    }
    return false;
  }

  /**
   * Copies a blob between repositories of any registries, streaming it through, so memory stays flat
   * whatever the layer's size; the target checks the digest as it stores it. A transient failure retries
   * the whole transfer (upload, download, store), since a half-sent stream cannot be resumed. The caller
   * checks the target first.
   */
  async copyBlob(from: Reference, to: Reference, digest: string, size: number): Promise<void> {
    const push = [repositoryScope(to.repository, 'pull,push')];
    await this.transport.retry(`copy blob ${digest} to ${to.context()}`, async () => {
      const start = await this.transport.sendOnce(to.registry, {
        method: 'POST',
        path: `/v2/${to.repository}/blobs/uploads/`,
        scopes: push,
        operation: `start upload to ${to.context()}`,
      });
      const url = uploadUrl(to, start, digest);
      const source = await this.transport.open(from.registry, {
        path: `/v2/${from.repository}/blobs/${digest}`,
        scopes: [repositoryScope(from.repository, 'pull')],
        operation: `get blob ${digest} from ${from.context()}`,
      });
      try {
        await this.transport.sendOnce(to.registry, {
          method: 'PUT',
          path: url,
          scopes: push,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': source.headers['content-length'] ?? String(size),
          },
          body: source.body,
          operation: `upload ${digest} to ${to.context()}`,
        });
      } finally {
        source.body.destroy();
      }
    });
  }

  private async finishUpload(
    ref: Reference,
    start: RegistryResponse,
    data: Buffer,
    digest: string,
  ): Promise<void> {
    await this.call(ref, 'pull,push', {
      method: 'PUT',
      path: uploadUrl(ref, start, digest),
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      operation: `upload ${digest} to ${ref.context()}`,
    });
  }

  /**
   * Manifests whose `subject` is `digest`: the referrers API where the registry has it, otherwise the
   * `sha256-<hex>` fallback tag. Filtered by artifactType when given.
   */
  async referrers(ref: Reference, digest: string, artifactType?: string): Promise<Descriptor[]> {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const api = await this.call(ref, 'pull', {
      method: 'GET',
      path: `/v2/${ref.repository}/referrers/${digest}${query}`,
      headers: { accept: OCI_INDEX },
      accept: [400, 404, 405],
      operation: `referrers of ${digest} in ${ref.context()}`,
    });
    let manifests: Descriptor[];
    if (api.status === 200 && (api.headers['content-type'] ?? '').startsWith(OCI_INDEX)) {
      manifests = (JSON.parse(api.body.toString('utf8')) as ImageIndex).manifests ?? [];
    } else {
      manifests = await this.fallbackReferrers(ref, digest);
    }
    return artifactType ? manifests.filter((d) => d.artifactType === artifactType) : manifests;
  }

  async fallbackReferrers(ref: Reference, digest: string): Promise<Descriptor[]> {
    try {
      const { manifest } = await this.getManifest(ref.withTag(referrersTag(digest)));
      return isIndex(manifest.mediaType ?? OCI_INDEX) && 'manifests' in manifest ? manifest.manifests : [];
    } catch (err) {
      if (err instanceof RegistryError && err.notFound) return [];
      throw err;
    }
  }

  /** Probes what the registry supports, without changing anything (deletes aim at a digest that cannot exist). */
  async capabilities(ref: Reference): Promise<Capabilities> {
    const probe = (identifier: string) =>
      this.call(ref, 'delete', {
        method: 'DELETE',
        path: `/v2/${ref.repository}/manifests/${identifier}`,
        accept: [400, 401, 403, 404, 405],
        operation: `probe delete support in ${ref.context()}`,
      });
    const byDigest = await probe(ZERO_DIGEST);
    const byTag = await probe('image-lifecycle-capability-probe');
    return {
      deleteManifests: byDigest.status === 404 || byDigest.status === 202,
      deleteTags: byTag.status === 404 || byTag.status === 202,
      referrersApi: await this.hasReferrersApi(ref),
    };
  }

  /** Whether the registry answers the referrers API (one GET, for a digest that cannot exist); reads only. */
  async hasReferrersApi(ref: Reference): Promise<boolean> {
    const res = await this.call(ref, 'pull', {
      method: 'GET',
      path: `/v2/${ref.repository}/referrers/${ZERO_DIGEST}`,
      headers: { accept: OCI_INDEX },
      accept: [400, 404, 405],
      operation: `probe referrers API in ${ref.context()}`,
    });
    return res.status === 200 && (res.headers['content-type'] ?? '').startsWith(OCI_INDEX);
  }
}

/** Where to PUT the content of an upload the registry opened (its Location), naming the digest. */
function uploadUrl(ref: Reference, start: RegistryResponse, digest: string): string {
  const location = start.headers.location;
  if (!location) {
    throw new RegistryError(
      `upload to ${ref.context()}: registry gave no upload location`,
      start.status,
      'BLOB_UPLOAD_INVALID',
      false,
    );
  }
  const url = new URL(location, start.url);
  url.searchParams.set('digest', digest);
  return url.toString();
}

export function parseManifestResponse(ref: Reference, res: RegistryResponse): ManifestResult {
  const body = res.body;
  const expected = ref.digest ?? res.headers['docker-content-digest'];
  const actual = expected ? digestWithAlgorithmOf(expected, body) : sha256Digest(body);
  if (expected && actual && actual !== expected) {
    throw new RegistryError(
      `get manifest ${ref}: body digest ${actual} does not match ${expected}; refusing it`,
      res.status,
      'DIGEST_MISMATCH',
      false,
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(body.toString('utf8')) as Manifest;
  } catch {
    throw new RegistryError(
      `get manifest ${ref}: the registry returned a body that is not JSON`,
      res.status,
      'MANIFEST_INVALID',
      false,
    );
  }
  const mediaType =
    manifest.mediaType ?? res.headers['content-type']?.split(';')[0]?.trim() ?? 'application/octet-stream';
  const descriptor: Descriptor = { mediaType, digest: expected ?? (actual as string), size: body.length };
  if (manifest.artifactType) descriptor.artifactType = manifest.artifactType;
  return { descriptor, manifest, body };
}
