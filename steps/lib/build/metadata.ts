import { UsageError } from '../errors.js';

/** What the OCI image-spec's pre-defined annotation keys say about a build. */
export interface ImageMetadata {
  source?: string;
  revision?: string;
  version?: string;
  title?: string;
  created: string;
  baseName?: string;
  baseDigest?: string;
}

const KEY = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  title: 'org.opencontainers.image.title',
  created: 'org.opencontainers.image.created',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
} as const;

/**
 * The org.opencontainers.image.* keys, set both as labels (what `inspect` and OpenShift show) and as
 * manifest annotations (what registries and Chains read). Explicit --label/--annotation values win.
 */
export function metadataKeys(metadata: ImageMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(KEY) as Array<[keyof ImageMetadata, string]>) {
    const value = metadata[field];
    if (value) out[key] = value;
  }
  return out;
}

/** Parses repeatable KEY=VALUE flags; the value may itself contain `=`. */
/** What a build argument may be called: the names an ARG instruction can declare. */
export const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Label and annotation keys: reverse-DNS style (org.opencontainers.image.source), as OCI and Docker advise. */
export const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export function parsePairs(
  values: readonly string[],
  flag: string,
  name = METADATA_KEY,
): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} "${value}": expected NAME=VALUE`);
    const key = value.slice(0, eq);
    if (!name.test(key))
      throw new UsageError(`${flag} "${value}": "${key}" is not a valid name (${name.source})`);
    pairs.set(key, value.slice(eq + 1));
  }
  return pairs;
}
