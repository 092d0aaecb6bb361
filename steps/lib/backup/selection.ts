import { isIndex } from '../oci/media-types.js';
import { globMatch } from '../scan/glob.js';

/** The OCI distribution 1.1 fallback tag that lists the referrers of sha256:<hex> where there is no referrers API. */
const REFERRERS_TAG = /^sha256-([a-f0-9]{64})$/;

/** The subject digest a `sha256-<hex>` referrers tag stands for; undefined for an ordinary tag. */
export function referrersSubject(tag: string): string | undefined {
  const match = REFERRERS_TAG.exec(tag);
  return match ? `sha256:${match[1]}` : undefined;
}

export function matchesAny(globs: readonly string[], value: string): boolean {
  return globs.some((g) => globMatch(g, value));
}

export interface TagSelection {
  /** Globs of the tags to take; `*` takes every tag. */
  tags: readonly string[];
  /** Globs of production tags, taken whatever `tags` says. */
  productionTags: readonly string[];
}

export interface SelectedTags {
  /** Ordinary tags chosen by the selection, sorted. */
  tags: string[];
  /** Whether every ordinary tag was chosen (then every referrers tag comes along without looking). */
  all: boolean;
  /** Referrers tags of the repository by subject digest: they follow their subject, not the selection. */
  referrersTags: Map<string, string>;
}

export function selectTags(all: readonly string[], selection: TagSelection): SelectedTags {
  const ordinary: string[] = [];
  const referrersTags = new Map<string, string>();
  for (const tag of all) {
    const subject = referrersSubject(tag);
    if (subject) referrersTags.set(subject, tag);
    else ordinary.push(tag);
  }
  const tags = ordinary
    .filter((t) => matchesAny(selection.tags, t) || matchesAny(selection.productionTags, t))
    .sort();
  return { tags, all: tags.length === ordinary.length, referrersTags };
}

/**
 * Repositories chosen by patterns: a pattern without `*` names a repository (kept even when the catalog
 * does not list it, so that a restricted catalog does not hide it); a glob picks from the catalog.
 * Sorted, without duplicates, never one of `exclude`.
 */
export function selectRepositories(
  patterns: readonly string[],
  catalog: readonly string[],
  exclude: readonly string[] = [],
): string[] {
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    if (!pattern.includes('*')) chosen.add(pattern);
    else for (const name of catalog) if (globMatch(pattern, name)) chosen.add(name);
  }
  for (const name of exclude) chosen.delete(name);
  return [...chosen].sort();
}

export const needsCatalog = (patterns: readonly string[]): boolean => patterns.some((p) => p.includes('*'));

export interface ManifestNode {
  digest: string;
  mediaType: string;
}

/**
 * The referrers tags that belong with the chosen manifests: those whose subject is one of `roots`, a
 * manifest an index among them lists, or a referrer found on the way (a signature on an SBOM), to any
 * depth. `childrenOf` reads an index's manifests; it is called only while some referrers tag is still
 * undecided, so a repository whose every subject was met early costs no further reads.
 */
export async function referrersTagsFor(
  roots: readonly ManifestNode[],
  referrersTags: ReadonlyMap<string, { tag: string; node: ManifestNode }>,
  childrenOf: (index: ManifestNode) => Promise<ManifestNode[]>,
): Promise<string[]> {
  const undecided = new Map(referrersTags);
  const chosen: string[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0 && undecided.size > 0) {
    const node = queue.shift() as ManifestNode;
    if (seen.has(node.digest)) continue;
    seen.add(node.digest);
    const referrers = undecided.get(node.digest);
    if (referrers) {
      undecided.delete(node.digest);
      chosen.push(referrers.tag);
      queue.push(referrers.node);
      if (undecided.size === 0) break;
    }
    if (isIndex(node.mediaType)) queue.push(...(await childrenOf(node)));
  }
  return chosen.sort();
}
