import { mapLimit, onceByKey } from '../concurrency.js';
import {
  DOCKER_CONFIG,
  OCI_CONFIG,
  platformString,
  RegistryError,
  type Descriptor,
  type ImageConfig,
  type ManifestResult,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { CREATED_KEY } from './age.js';
import type { BlobRef, ManifestInfo, RepositoryInventory } from './model.js';
import { attachmentOf, placeholderFor } from './tags.js';

export interface InventoryOptions {
  /** Requests in flight per repository; the client bounds the total as well. */
  concurrency: number;
  /** Read image configs for creation dates (not needed to re-check a plan's structure). */
  readConfigs: boolean;
  /**
   * How tags are resolved: `get` reads each tag's manifest with its digest in one request (fewer requests
   * when manifests are not known yet); `head` asks only for the digest (when they are cached already).
   */
  resolveTagsBy: 'get' | 'head';
  /** Ask the registry's referrers API for each manifest (only where it has one). */
  referrersApi: boolean;
  log?: Logger;
}

interface Entry {
  info: ManifestInfo;
  /** The image config to read for dates; absent for indexes and artifacts. */
  configDigest?: string;
  /** Platforms an index gives its children. */
  childPlatforms: Array<[string, string]>;
}

/**
 * Reads each manifest and config once per run: many tags share a digest, and the apply phase reads the
 * same repositories again. Manifests are immutable by digest, so the cache is exact.
 */
export class ManifestStore {
  private readonly entries = onceByKey<Entry | undefined>();
  private readonly dated = onceByKey<void>();

  constructor(private readonly client: RegistryClient) {}

  async manifest(repo: Reference, digest: string, readConfig: boolean): Promise<Entry | undefined> {
    const entry = await this.entries(digest, async () => {
      const result = await readOrGone(() => this.client.getManifest(repo.withDigest(digest)));
      return result && parse(result);
    });
    return this.dates(repo, entry, readConfig);
  }

  /** A tag's manifest, read by the tag: its digest and content in one request. */
  async tagManifest(repo: Reference, tag: string, readConfig: boolean): Promise<Entry | undefined> {
    const result = await readOrGone(() => this.client.getManifest(repo.withTag(tag)));
    if (!result) return undefined;
    const entry = await this.entries(result.descriptor.digest, async () => parse(result));
    return this.dates(repo, entry, readConfig);
  }

  private async dates(
    repo: Reference,
    entry: Entry | undefined,
    readConfig: boolean,
  ): Promise<Entry | undefined> {
    if (entry?.configDigest && readConfig)
      await this.dated(entry.info.digest, () => this.addConfigDates(repo, entry));
    return entry;
  }

  private async addConfigDates(repo: Reference, entry: Entry): Promise<void> {
    const config = parseConfig(await this.client.getBlob(repo, entry.configDigest as string));
    if (config?.created !== undefined) entry.info.dates.config = String(config.created);
    const label = config?.config?.Labels?.[CREATED_KEY];
    if (label) entry.info.dates.label = label;
  }
}

/** Gone between listing and reading: another writer deleted it. The planner skips what it cannot see. */
async function readOrGone(read: () => Promise<ManifestResult>): Promise<ManifestResult | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof RegistryError && err.notFound) return undefined;
    throw err;
  }
}

function parse(result: ManifestResult): Entry {
  const { manifest, descriptor, body } = result;
  const digest = descriptor.digest;
  const info: ManifestInfo = {
    digest,
    mediaType: descriptor.mediaType,
    size: body.length,
    children: [],
    blobs: [],
    dates: {},
  };
  const created = manifest.annotations?.[CREATED_KEY];
  if (created) info.dates.annotation = created;
  if (manifest.artifactType) info.artifactType = manifest.artifactType;
  if (manifest.subject) info.subject = manifest.subject.digest;
  const placeholder = placeholderFor(manifest);
  if (placeholder) info.placeholderFor = placeholder;
  const entry: Entry = { info, childPlatforms: [] };
  if ('manifests' in manifest && Array.isArray(manifest.manifests)) {
    info.children = manifest.manifests.map((d) => d.digest);
    entry.childPlatforms = manifest.manifests
      .filter((d) => d.platform)
      .map((d) => [d.digest, platformString(d.platform)]);
  } else if ('config' in manifest && manifest.config) {
    info.blobs = [manifest.config, ...(manifest.layers ?? [])].filter(stored).map(blobRef);
    // Artifacts (signatures, SBOMs) carry configs that are not image configs and have no dates worth reading.
    const imageConfig =
      manifest.config.mediaType === OCI_CONFIG || manifest.config.mediaType === DOCKER_CONFIG;
    if (imageConfig && !manifest.artifactType) entry.configDigest = manifest.config.digest;
  }
  return entry;
}

/** The promise for `key`, started once; a failure is forgotten so that the next caller tries again. */
function parseConfig(bytes: Buffer): ImageConfig | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    // A config that is not JSON has no date to offer: the image's age is then unknown.
    return undefined;
  }
}

/** Foreign layers (with `urls`) live elsewhere; the registry frees nothing by dropping them. */
function stored(d: Descriptor): boolean {
  return !d.urls?.length;
}

function blobRef(d: Descriptor): BlobRef {
  return { digest: d.digest, size: d.size };
}

/**
 * One repository as the planner needs it: every tag (all pages) resolved by HEAD, and every manifest
 * those reach (index children, referrers, fallback and cosign tags, and the subjects those name), each
 * read once.
 */
export async function inventoryRepository(
  client: RegistryClient,
  store: ManifestStore,
  repo: Reference,
  options: InventoryOptions,
): Promise<RepositoryInventory> {
  // A repository that is gone (NAME_UNKNOWN) has nothing left to keep or delete.
  const listed = await client.listTags(repo).catch((err: unknown) => {
    if (err instanceof RegistryError && err.notFound) return [];
    throw err;
  });
  const resolved = await mapLimit(listed, options.concurrency, async (tag, i) => {
    if (i % 250 === 0 && listed.length > 250)
      options.log?.progress(`${repo.repository}: resolving tags, ${i} of ${listed.length} done`);
    const digest =
      options.resolveTagsBy === 'get'
        ? (await store.tagManifest(repo, tag, options.readConfigs))?.info.digest
        : (await client.exists(repo.withTag(tag)))?.digest;
    return [tag, digest] as const;
  });
  const tags = new Map<string, string>();
  for (const [tag, digest] of resolved) if (digest) tags.set(tag, digest);

  const manifests = new Map<string, ManifestInfo>();
  const referrers = new Map<string, string[]>();
  const platforms = new Map<string, string>();
  const readAll = async (start: string[]): Promise<void> => {
    let digests = start;
    while (digests.length > 0) {
      const entries = await mapLimit(digests, options.concurrency, (d) =>
        store.manifest(repo, d, options.readConfigs),
      );
      const next = new Set<string>();
      for (const entry of entries) {
        if (!entry || manifests.has(entry.info.digest)) continue;
        manifests.set(entry.info.digest, entry.info);
        entry.info.children.forEach((c) => next.add(c));
        for (const [child, platform] of entry.childPlatforms) platforms.set(child, platform);
      }
      if (options.referrersApi) {
        const subjects = entries.filter((e): e is Entry => !!e).map((e) => e.info.digest);
        const found = await mapLimit(
          subjects,
          options.concurrency,
          async (d) => [d, await client.referrers(repo, d)] as const,
        );
        for (const [subject, list] of found) {
          if (list.length === 0) continue;
          referrers.set(
            subject,
            list.map((r) => r.digest),
          );
          list.forEach((r) => next.add(r.digest));
        }
      }
      digests = [...next].filter((d) => !manifests.has(d));
    }
  };
  await readAll([...new Set(tags.values())]);
  // Subjects named by signature and fallback tags that no tag reaches: present but untagged, or gone.
  const unseen = [...new Set([...tags.keys()].map((t) => attachmentOf(t)?.subject))].filter(
    (s): s is string => !!s && !manifests.has(s),
  );
  const present = await mapLimit(unseen, options.concurrency, async (d) =>
    (await client.exists(repo.withDigest(d))) ? d : undefined,
  );
  await readAll(present.filter((d): d is string => !!d));

  // The inventory holds its own copies: the store's entries are shared with other repositories.
  const own = new Map(
    [...manifests].map(([d, info]) => [
      d,
      { ...info, ...(platforms.has(d) ? { platform: platforms.get(d) } : {}) },
    ]),
  );
  return { repository: repo.repository, tags, manifests: own, referrers };
}
