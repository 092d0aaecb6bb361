import { createLimiter, mapLimit, onceByKey } from '../concurrency.js';
import {
  addToFallbackIndex,
  isIndex,
  type Descriptor,
  type ManifestResult,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';

export interface CopyCounters {
  manifestsCopied: number;
  manifestsPresent: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsPresent: number;
  bytesCopied: number;
}

export interface TreeCopierOptions {
  /** Parallel operations per level of a tree (children of an index, blobs of an image). */
  concurrency: number;
  dryRun: boolean;
  /** The source answers the referrers API: referrers are found per manifest, not through `sha256-<hex>` tags. */
  sourceReferrersApi: boolean;
  /** The target answers the referrers API; otherwise referrers found through the API are added to its fallback tags. */
  targetReferrersApi: boolean;
  onProgress?: (counters: Readonly<CopyCounters>) => void;
}

/**
 * Copies manifests by digest from one registry to another, whole: an index after its children, an image
 * after its config and layers, so that a manifest present in the target always has everything it
 * references, and an interrupted run resumes by skipping what is there. A blob already in the target
 * repository is skipped, one in another target repository is mounted, the rest is copied. Each digest is
 * handled once per target repository and run, however many tags or indexes share it.
 */
export class TreeCopier {
  readonly counters: CopyCounters = {
    manifestsCopied: 0,
    manifestsPresent: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsPresent: 0,
    bytesCopied: 0,
  };
  private readonly manifests = onceByKey<void>();
  private readonly blobs = onceByKey<void>();
  private readonly referrersDone = onceByKey<void>();
  /** Source manifests read this run, by repository and digest: tag writes and sizes reuse them. */
  private readonly sources = onceByKey<ManifestResult>();
  /** The target repository holding (or receiving) each blob: the mount source for other repositories. */
  private readonly homes = new Map<string, Promise<string>>();
  /** Blob transfers at once (each holds two connections: a download streaming into an upload). */
  private readonly transfer: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly client: RegistryClient,
    private readonly options: TreeCopierOptions,
  ) {
    this.transfer = createLimiter(options.concurrency);
  }

  /** The source manifest at `digest`, read once per run. */
  manifest(source: Reference, digest: string): Promise<ManifestResult> {
    return this.sources(`${source.context()}@${digest}`, () =>
      this.client.getManifest(source.withDigest(digest)),
    );
  }

  /** Makes the manifest `digest` of `source` exist in `target` with everything it references. */
  ensure(source: Reference, target: Reference, digest: string): Promise<void> {
    return this.manifests(`${target.context()}@${digest}`, async () => {
      if (await this.client.exists(target.withDigest(digest))) {
        this.counters.manifestsPresent++;
      } else {
        const m = await this.manifest(source, digest);
        if (isIndex(m.descriptor.mediaType) && 'manifests' in m.manifest) {
          await mapLimit(m.manifest.manifests, this.options.concurrency, (child) =>
            this.ensure(source, target, child.digest),
          );
        } else if ('config' in m.manifest) {
          const blobs = [m.manifest.config, ...m.manifest.layers].filter((d) => !d.urls?.length);
          await mapLimit(blobs, this.options.concurrency, (blob) => this.copyBlob(source, target, blob));
        }
        if (!this.options.dryRun)
          await this.client.putManifest(target.withDigest(digest), m.body, m.descriptor.mediaType);
        this.counters.manifestsCopied++;
        this.options.onProgress?.(this.counters);
      }
      if (this.options.sourceReferrersApi) await this.referrers(source, target, digest);
    });
  }

  /**
   * Copies what the source's referrers API lists for `subject` (signatures, reports, SBOMs, and their own
   * referrers), and lists them in the target's fallback tag where the target has no referrers API.
   */
  referrers(source: Reference, target: Reference, subject: string): Promise<void> {
    return this.referrersDone(`${target.context()}@${subject}`, async () => {
      const found = await this.client.referrers(source, subject);
      for (const referrer of found) {
        await this.ensure(source, target, referrer.digest);
        if (!this.options.targetReferrersApi && !this.options.dryRun)
          await addToFallbackIndex(this.client, target, subject, referrer);
      }
    });
  }

  /** Bytes of what `digest` holds: its manifest, an index's children, an image's config and layers, each once. */
  async size(source: Reference, digest: string): Promise<number> {
    const seen = new Set<string>();
    const walk = async (d: string): Promise<number> => {
      if (seen.has(d)) return 0;
      seen.add(d);
      const m = await this.manifest(source, d);
      let total = m.body.length;
      if ('manifests' in m.manifest) {
        for (const child of m.manifest.manifests) total += await walk(child.digest);
      } else if ('config' in m.manifest) {
        for (const blob of [m.manifest.config, ...m.manifest.layers]) {
          if (!seen.has(blob.digest)) total += blob.size;
          seen.add(blob.digest);
        }
      }
      return total;
    };
    return walk(digest);
  }

  private async copyBlob(source: Reference, target: Reference, blob: Descriptor): Promise<void> {
    await this.blobs(`${target.context()}@${blob.digest}`, async () => {
      const homeKey = `${target.registry}/${blob.digest}`;
      if (await this.client.headBlob(target, blob.digest)) {
        this.counters.blobsPresent++;
        if (!this.homes.has(homeKey)) this.homes.set(homeKey, Promise.resolve(target.repository));
        return;
      }
      const home = this.homes.get(homeKey);
      if (this.options.dryRun ? home !== undefined : await this.mountFromHome(target, blob.digest, home)) {
        this.counters.blobsMounted++;
        return;
      }
      // Other repositories sharing this layer mount it from here once it has landed, rather than copy it too.
      const landed = this.options.dryRun
        ? Promise.resolve()
        : this.transfer(() => this.client.copyBlob(source, target, blob.digest, blob.size));
      if (!this.homes.has(homeKey)) {
        const arriving = landed.then(() => target.repository);
        arriving.catch(() => undefined); // a failed copy is reported through `landed`; this one only says where to mount from
        this.homes.set(homeKey, arriving);
      }
      await landed;
      this.counters.blobsCopied++;
      this.counters.bytesCopied += blob.size;
      this.options.onProgress?.(this.counters);
    });
  }

  /** Mounts from the repository known (or about) to hold the blob; false when there is none or the mount fails. */
  private async mountFromHome(
    target: Reference,
    digest: string,
    home: Promise<string> | undefined,
  ): Promise<boolean> {
    const repository = await home?.catch(() => undefined);
    return (
      repository !== undefined &&
      repository !== target.repository &&
      this.client.mountBlob(target, digest, repository)
    );
  }
}
