import { mapLimit } from '../concurrency.js';
import { addToFallbackIndex, RegistryError, type Reference, type RegistryClient } from '../oci/index.js';
import type { TreeCopier } from './copy.js';
import { referrersSubject } from './selection.js';

export interface TagTarget {
  tag: string;
  digest: string;
  mediaType: string;
}

/**
 * created: the tag was not in the target; updated: it pointed elsewhere and was moved; unchanged: it
 * already pointed at the digest; conflict: it points elsewhere and was left alone; merged: a referrers
 * tag that lists other referrers in the target now lists these too.
 */
export type TagOutcome = 'created' | 'updated' | 'unchanged' | 'conflict' | 'merged';

export interface TagResult extends TagTarget {
  outcome: TagOutcome;
  /** What the tag pointed at in the target before, when that was another digest. */
  previousDigest?: string;
}

export interface MirrorOptions {
  /** Move target tags that point elsewhere (a backup follows the primary); otherwise report a conflict. */
  overwrite: boolean;
  dryRun: boolean;
  concurrency: number;
}

/**
 * Makes `target` hold each wanted tag at its digest, copying from `source`: first every manifest tree the
 * tags need, then the tags, so a tag never points at something incomplete. A target tag that already
 * points at the digest costs nothing more; referrers tags are merged rather than left in conflict, since
 * both lists belong to the same subject.
 */
export async function mirrorTags(
  client: RegistryClient,
  copier: TreeCopier,
  source: Reference,
  target: Reference,
  wanted: readonly TagTarget[],
  options: MirrorOptions & { sourceReferrersApi: boolean },
  listing: Promise<readonly string[]> = listTargetTags(client, target),
): Promise<TagResult[]> {
  const existing = await targetTags(
    client,
    target,
    new Set(await listing),
    wanted.map((w) => w.tag),
    options.concurrency,
  );
  const results: TagResult[] = wanted.map((w) => {
    const previous = existing.get(w.tag);
    if (previous === undefined) return { ...w, outcome: 'created' };
    if (previous === w.digest) return { ...w, outcome: 'unchanged' };
    const outcome: TagOutcome = options.overwrite
      ? 'updated'
      : referrersSubject(w.tag)
        ? 'merged'
        : 'conflict';
    return { ...w, outcome, previousDigest: previous };
  });

  const toCopy = unique(
    results.filter((r) => r.outcome !== 'unchanged' && r.outcome !== 'conflict').map((r) => r.digest),
  );
  await mapLimit(toCopy, options.concurrency, (digest) => copier.ensure(source, target, digest));
  if (options.sourceReferrersApi) {
    // Referrers attached since the last run hang off digests the target already has.
    const present = unique(results.filter((r) => r.outcome === 'unchanged').map((r) => r.digest));
    await mapLimit(present, options.concurrency, (digest) => copier.referrers(source, target, digest));
  }
  if (options.dryRun) return results;

  await mapLimit(results, options.concurrency, async (r) => {
    if (r.outcome === 'created' || r.outcome === 'updated') {
      const m = await copier.manifest(source, r.digest);
      await client.putManifest(target.withTag(r.tag), m.body, m.descriptor.mediaType);
    } else if (r.outcome === 'merged') {
      const m = await copier.manifest(source, r.digest);
      const subject = referrersSubject(r.tag) as string;
      for (const referrer of 'manifests' in m.manifest ? m.manifest.manifests : [])
        await addToFallbackIndex(client, target, subject, referrer);
    }
  });
  return results;
}

/** The target repository's tags; a repository the target does not have yet has none. */
export async function listTargetTags(client: RegistryClient, target: Reference): Promise<string[]> {
  try {
    return await client.listTags(target);
  } catch (err) {
    if (err instanceof RegistryError && err.notFound) return [];
    throw err;
  }
}

/** Where each of `tags` points in the target now, asking only about those the target lists. */
async function targetTags(
  client: RegistryClient,
  target: Reference,
  listed: ReadonlySet<string>,
  tags: readonly string[],
  concurrency: number,
): Promise<Map<string, string>> {
  const digests = await mapLimit(
    tags.filter((t) => listed.has(t)),
    concurrency,
    async (tag) => [tag, (await client.exists(target.withTag(tag)))?.digest] as const,
  );
  return new Map(digests.filter((d): d is readonly [string, string] => d[1] !== undefined));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
