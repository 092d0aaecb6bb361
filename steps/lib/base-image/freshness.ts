import type { Platform } from '../oci/types.js';

export const BASE_NAME = 'org.opencontainers.image.base.name';
export const BASE_DIGEST = 'org.opencontainers.image.base.digest';

export interface RecordedBase {
  name: string;
  digest: string;
  /** Where it was read: the manifest's annotations (what the build step and registries write) or the config's labels. */
  source: 'annotations' | 'labels';
}

/**
 * The base an image records, annotations first, then labels, then (for a platform image of an index) the
 * index's annotations. A name without a digest, or the reverse, is no record: such images are unknown.
 */
export function recordedBase(
  sources: ReadonlyArray<{
    source: RecordedBase['source'];
    values: Readonly<Record<string, string>> | undefined;
  }>,
): RecordedBase | undefined {
  for (const { source, values } of sources) {
    const name = values?.[BASE_NAME]?.trim();
    const digest = values?.[BASE_DIGEST]?.trim();
    if (name && digest) return { name, digest, source };
  }
  return undefined;
}

/** What the base's tag points at now: a manifest, or an index with its platform children. */
export interface CurrentBase {
  digest: string;
  children?: ReadonlyArray<{ digest: string; platform?: Platform }>;
}

export interface Freshness {
  fresh: boolean;
  /** The digest the base tag points at now. */
  currentDigest: string;
  /** For an index: the child for the image's platform, the digest an up-to-date build would record as platform image. */
  currentPlatformDigest?: string;
}

/** Same os and architecture; variants count only when both name one (arm64 images often leave v8 out). */
export function samePlatform(a: Platform | undefined, b: Platform | undefined): boolean {
  if (!a || !b) return false;
  return (
    a.os === b.os &&
    a.architecture === b.architecture &&
    (!a.variant || !b.variant || a.variant === b.variant)
  );
}

/**
 * Whether a recorded base digest is still what the base tag gives: builders record either the index digest
 * or the digest of the platform image they pulled from it, so both count as fresh; another platform's
 * child does not. An image whose own platform is unknown matches any child.
 */
export function freshness(
  recordedDigest: string,
  current: CurrentBase,
  platform: Platform | undefined,
): Freshness {
  const out: Freshness = { fresh: recordedDigest === current.digest, currentDigest: current.digest };
  if (!current.children) return out;
  const mine = platform ? current.children.find((c) => samePlatform(c.platform, platform)) : undefined;
  if (mine) out.currentPlatformDigest = mine.digest;
  const candidates = platform ? (mine ? [mine] : []) : current.children;
  out.fresh ||= candidates.some((c) => c.digest === recordedDigest);
  return out;
}
