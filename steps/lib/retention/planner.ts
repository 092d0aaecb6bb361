import semver from 'semver';
import { creationDate, describeAge, type Created } from './age.js';
import { describeReach, ReachabilityGraph, type Reach } from './graph.js';
import type { Decision, InUseIndex, Plan, RepositoryInventory } from './model.js';
import { inDeleteScope, protectedByName, type RetentionPolicy } from './policy.js';
import { attachmentOf, shortDigest } from './tags.js';

/** A tag's fate before reachability: stay or go, and why. */
interface Fate {
  keep: boolean;
  reasons: string[];
  /** Kept by a keep rule of its own (name or use), not only because of what it is attached to. */
  explicit?: boolean;
}

export interface RepositoryPlan {
  repository: string;
  graph: ReachabilityGraph;
  decisions: Decision[];
  /** Manifests that stay, with how each is reached. */
  kept: Map<string, Reach>;
  /** Manifests to delete by digest. */
  deleted: Map<string, Reach>;
  /** Manifests whose storage the registry's garbage collection (or `oc adm prune images`) can free afterwards. */
  freed: Set<string>;
}

export interface PlanOptions {
  /**
   * Set where manifests are never deleted by digest, only tags removed (ImageStreams: the image stays until
   * `oc adm prune images`); the text is the reason given on each such tag.
   */
  tagsOnly?: string;
}

export interface PlanInput extends PlanOptions {
  inventories: RepositoryInventory[];
  policy: RetentionPolicy;
  inUse: InUseIndex;
  now: number;
}

/**
 * Plans retention for every repository: decides each tag by the policy (keep rules win), then keeps every
 * manifest reachable from what stays, and deletes by digest only manifests nothing kept reaches. A tag that
 * goes while its manifest stays is untagged, never deleted by digest.
 */
export function planRetention(
  input: PlanInput,
  dryRun: boolean,
): { plan: Plan; repositories: RepositoryPlan[] } {
  const repositories = input.inventories.map((inv) =>
    planRepository(inv, input.policy, input.inUse, input.now, input),
  );
  const decisions = repositories.flatMap((r) => r.decisions);
  const tagged = decisions.filter((d) => d.tag !== null);
  const plan: Plan = {
    dryRun,
    policy: input.policy.name,
    decisions,
    summary: {
      repositories: repositories.length,
      tagsKept: tagged.filter((d) => d.action === 'keep').length,
      tagsDeleted: tagged.filter((d) => d.action !== 'keep').length,
      manifestsDeleted: repositories.reduce((n, r) => n + r.deleted.size, 0),
      reclaimableBytes: reclaimableBytes(
        repositories.map((r) => ({ inventory: r.graph.inventory, freed: r.freed })),
      ),
      skipped: 0,
    },
  };
  return { plan, repositories };
}

export function planRepository(
  inv: RepositoryInventory,
  policy: RetentionPolicy,
  inUse: InUseIndex,
  now: number,
  options: PlanOptions = {},
): RepositoryPlan {
  const deletesManifests = policy.delete.untagged && options.tagsOnly === undefined;
  const graph = new ReachabilityGraph(inv);
  const usedTags = inUse.tags.get(inv.repository);
  const usedDigests = inUse.digests.get(inv.repository);
  const created = memo((digest: string) => creationDate(inv.manifests, digest, policy.age.sources));

  const roots: Array<[string, string]> = [];
  const attachments: Array<[string, string]> = [];
  const placeholders: Array<[string, string]> = [];
  for (const [tag, digest] of inv.tags) {
    if (!inv.manifests.has(digest)) continue;
    if (inv.manifests.get(digest)?.placeholderFor === tag) placeholders.push([tag, digest]);
    else if (attachmentOf(tag)) attachments.push([tag, digest]);
    else roots.push([tag, digest]);
  }
  const fates = new Map<string, Fate>(rootFates(roots, policy, usedTags, created, now));
  if (options.tagsOnly !== undefined) keepTagsOfUsedImages(roots, fates, usedDigests);
  for (const [tag] of placeholders)
    fates.set(tag, {
      keep: false,
      reasons: [
        `placeholder left by an interrupted removal of tag "${inv.manifests.get(inv.tags.get(tag) as string)?.placeholderFor}"`,
      ],
    });

  const keptStarts = new Map<string, string>();
  const removedStarts = new Map<string, string>();
  for (const [tag, digest] of roots) {
    const fate = fates.get(tag) as Fate;
    if (fate.keep) setOnce(keptStarts, digest, `tag "${tag}" (kept)`);
    else setOnce(removedStarts, digest, `tag "${tag}" (removed)`);
  }
  for (const [digest, users] of usedDigests ?? [])
    setOnce(keptStarts, digest, `in use by ${users.join(', ')}`);
  for (const [digest, why] of untaggedRootFates(inv, graph, policy, created, now)) {
    if (why.keep) setOnce(keptStarts, digest, why.reasons.join('; '));
    else setOnce(removedStarts, digest, why.reasons.join('; '));
  }
  const placeholderDigests = new Map(
    placeholders.map(([tag, digest]) => [digest, `placeholder of tag "${tag}"`]),
  );

  // Attachments follow their subject, and a kept attachment keeps its subject; iterate to a fixpoint.
  let kept: Map<string, Reach>;
  let deleted: Map<string, Reach>;
  for (;;) {
    kept = graph.closure(keptStarts);
    deleted = deletesManifests ? without(graph.closure(removedStarts), kept) : new Map();
    for (const [digest, why] of placeholderDigests) if (!kept.has(digest)) deleted.set(digest, { root: why });
    let changed = false;
    for (const [tag, digest] of attachments) {
      const fate = attachmentFate(inv, tag, policy, usedTags, kept, deleted);
      fates.set(tag, fate);
      const subject = (attachmentOf(tag) as { subject: string }).subject;
      if (fate.keep && !kept.has(digest))
        changed = setOnce(keptStarts, digest, `tag "${tag}" (kept)`) || changed;
      if (fate.explicit && inv.manifests.has(subject) && !kept.has(subject)) {
        changed = setOnce(keptStarts, subject, `subject of kept tag "${tag}"`) || changed;
      }
      if (!fate.keep && !deleted.has(digest) && !kept.has(digest) && deletesManifests) {
        changed = setOnce(removedStarts, digest, `tag "${tag}" (removed)`) || changed;
      }
    }
    if (!changed) break;
  }

  const decisions: Decision[] = [];
  const taggedDigests = new Set<string>();
  for (const [tag, digest] of inv.tags) {
    const fate = fates.get(tag);
    if (!fate) continue;
    taggedDigests.add(digest);
    if (fate.keep) {
      decisions.push({ repository: inv.repository, tag, digest, action: 'keep', reasons: fate.reasons });
    } else if (deleted.has(digest)) {
      decisions.push({ repository: inv.repository, tag, digest, action: 'delete', reasons: fate.reasons });
    } else {
      const stays = kept.get(digest);
      const why = stays
        ? `its manifest stays: ${describeReach(stays)}`
        : (options.tagsOnly ?? 'delete.untagged is false: the manifest stays, untagged');
      decisions.push({
        repository: inv.repository,
        tag,
        digest,
        action: 'untag',
        reasons: [...fate.reasons, why],
      });
    }
  }
  for (const digest of inv.manifests.keys()) {
    if (taggedDigests.has(digest)) continue;
    const reach = deleted.get(digest) ?? kept.get(digest);
    const action = deleted.has(digest) ? 'delete' : 'keep';
    const reasons = reach
      ? [describeReach(reach)]
      : [
          options.tagsOnly ??
            (policy.delete.untagged ? 'not reached from any tag' : 'untagged, and delete.untagged is false'),
        ];
    decisions.push({ repository: inv.repository, tag: null, digest, action, reasons });
  }
  decisions.sort(byTagThenDigest);
  // Where only tags go, an image no kept tag reaches any more is what pruning frees.
  const freed = new Set(
    options.tagsOnly === undefined ? deleted.keys() : [...inv.manifests.keys()].filter((d) => !kept.has(d)),
  );
  return { repository: inv.repository, graph, decisions, kept, deleted, freed };
}

function rootFates(
  roots: ReadonlyArray<[string, string]>,
  policy: RetentionPolicy,
  usedTags: ReadonlyMap<string, string[]> | undefined,
  created: (digest: string) => Created,
  now: number,
): Map<string, Fate> {
  const ranks = policy.keep.newest === undefined ? undefined : rankTags(roots, policy, created);
  const fates = new Map<string, Fate>();
  for (const [tag, digest] of roots) {
    const keep: string[] = [];
    const remove: string[] = [];
    const byName = protectedByName(policy, tag);
    if (byName) keep.push(byName);
    const users = usedTags?.get(tag);
    if (users) keep.push(`in use by ${users.join(', ')}`);
    if (!inDeleteScope(policy, tag)) keep.push('not matched by delete.tagPatterns');
    const rank = ranks?.get(tag);
    if (rank) (rank.keep ? keep : remove).push(rank.reason);
    if (policy.keep.youngerThanMs !== undefined) ageRule(created(digest), policy, now, keep, remove);
    if (keep.length === 0 && remove.length === 0)
      remove.push('matched by delete.tagPatterns and no keep rule applies');
    fates.set(tag, keep.length ? { keep: true, reasons: keep } : { keep: false, reasons: remove });
  }
  return fates;
}

/**
 * Where only tags can go (image streams), a tag is what keeps an image pullable: OpenShift's registry serves
 * a digest only while the stream references it. So every tag of an image in use stays.
 */
function keepTagsOfUsedImages(
  roots: ReadonlyArray<[string, string]>,
  fates: Map<string, Fate>,
  usedDigests: ReadonlyMap<string, string[]> | undefined,
): void {
  for (const [tag, digest] of roots) {
    const users = usedDigests?.get(digest);
    const fate = fates.get(tag);
    if (!users || !fate) continue;
    const why = `its image is in use by ${users.join(', ')}, and the image stream serves it only while a tag references it`;
    fates.set(tag, { keep: true, reasons: fate.keep ? [...fate.reasons, why] : [why] });
  }
}

/** youngerThan, and what an unknown age means under age.unknown. */
function ageRule(age: Created, policy: RetentionPolicy, now: number, keep: string[], remove: string[]): void {
  const limit = policy.keep.youngerThan as string;
  if ('at' in age) {
    const young = now - age.at < (policy.keep.youngerThanMs as number);
    (young ? keep : remove).push(`${describeAge(age.at, now)}, ${young ? 'younger' : 'older'} than ${limit}`);
  } else if (policy.age.unknown === 'keep') {
    keep.push(`creation date unknown (${age.unknown}), so its age cannot be judged (age.unknown: keep)`);
  } else {
    remove.push(`creation date unknown (${age.unknown}), treated as older than ${limit} (age.unknown: old)`);
  }
}

interface Rank {
  keep: boolean;
  reason: string;
}

/**
 * keep.newest: version tags (semver, an optional leading v) by version, every other tag by creation date,
 * each group keeping its newest N. A non-version tag of unknown age cannot be ranked: it is kept under
 * age.unknown: keep, and ranks last under age.unknown: old.
 */
function rankTags(
  roots: ReadonlyArray<[string, string]>,
  policy: RetentionPolicy,
  created: (digest: string) => Created,
): Map<string, Rank> {
  const n = policy.keep.newest as number;
  const ranks = new Map<string, Rank>();
  const versions = roots.filter(([tag]) => semver.valid(tag) !== null);
  versions.sort(([a], [b]) => semver.rcompare(a, b) || compare(a, b));
  versions.forEach(([tag], i) => {
    ranks.set(
      tag,
      i < n
        ? { keep: true, reason: `one of the ${n} highest versions (#${i + 1})` }
        : { keep: false, reason: `beyond the ${n} highest versions (#${i + 1})` },
    );
  });
  const others = roots
    .filter(([tag]) => semver.valid(tag) === null)
    .map(([tag, digest]) => ({ tag, age: created(digest) }));
  const known = others.filter((o) => 'at' in o.age) as Array<{ tag: string; age: { at: number } }>;
  known.sort((a, b) => b.age.at - a.age.at || compare(a.tag, b.tag));
  const unknown = others.filter((o) => !('at' in o.age)).sort((a, b) => compare(a.tag, b.tag));
  const ordered = policy.age.unknown === 'old' ? [...known, ...unknown] : known;
  ordered.forEach(({ tag }, i) => {
    const what = `the ${n} newest non-version tags by creation date (#${i + 1})`;
    ranks.set(
      tag,
      i < n ? { keep: true, reason: `one of ${what}` } : { keep: false, reason: `beyond ${what}` },
    );
  });
  if (policy.age.unknown === 'keep') {
    for (const { tag, age } of unknown) {
      ranks.set(tag, {
        keep: true,
        reason: `creation date unknown (${(age as { unknown: string }).unknown}), so it cannot be ranked by age (age.unknown: keep)`,
      });
    }
  }
  return ranks;
}

/**
 * Manifests the inventory found without any tag leading to them (the subject of a signature tag whose own
 * tag has moved on): the untagged scope, youngerThan and age.unknown decide them.
 */
function untaggedRootFates(
  inv: RepositoryInventory,
  graph: ReachabilityGraph,
  policy: RetentionPolicy,
  created: (digest: string) => Created,
  now: number,
): Map<string, Fate> {
  const reachable = graph.closure(
    new Map([...inv.tags].filter(([tag]) => !attachmentOf(tag)).map(([tag, d]) => [d, tag])),
  );
  const fates = new Map<string, Fate>();
  for (const [tag] of inv.tags) {
    const subject = attachmentOf(tag)?.subject;
    if (!subject || !inv.manifests.has(subject) || reachable.has(subject) || fates.has(subject)) continue;
    const keep: string[] = [];
    const remove: string[] = [];
    if (policy.keep.youngerThanMs !== undefined) ageRule(created(subject), policy, now, keep, remove);
    if (!policy.delete.untagged) keep.push('untagged, and delete.untagged is false');
    const what = `untagged manifest ${shortDigest(subject)} (found through tag ${tag})`;
    fates.set(
      subject,
      keep.length
        ? { keep: true, reasons: [what, ...keep] }
        : {
            keep: false,
            reasons: [what, ...(remove.length ? remove : ['untagged, and delete.untagged is true'])],
          },
    );
  }
  return fates;
}

function attachmentFate(
  inv: RepositoryInventory,
  tag: string,
  policy: RetentionPolicy,
  usedTags: ReadonlyMap<string, string[]> | undefined,
  kept: ReadonlyMap<string, Reach>,
  deleted: ReadonlyMap<string, Reach>,
): Fate {
  const { subject, kind } = attachmentOf(tag) as { subject: string; kind: string };
  const byName =
    protectedByName(policy, tag) ??
    (usedTags?.has(tag) ? `in use by ${usedTags.get(tag)?.join(', ')}` : undefined);
  if (byName) return { keep: true, reasons: [byName], explicit: true };
  const subjectKept = kept.get(subject);
  if (subjectKept)
    return {
      keep: true,
      reasons: [`${kind} of ${shortDigest(subject)}, which stays: ${describeReach(subjectKept)}`],
    };
  if (deleted.has(subject))
    return { keep: false, reasons: [`${kind} of ${shortDigest(subject)}, which is deleted`] };
  if (inv.manifests.has(subject))
    return { keep: true, reasons: [`${kind} of ${shortDigest(subject)}, which stays (untagged)`] };
  if (policy.delete.orphanedAttachments)
    return {
      keep: false,
      reasons: [
        `${kind} of ${shortDigest(subject)}, which is not in the repository (delete.orphanedAttachments: true)`,
      ],
    };
  return {
    keep: true,
    reasons: [
      `${kind} of ${shortDigest(subject)}, which is not in this repository; kept, it may belong to an image stored elsewhere (delete.orphanedAttachments: false)`,
    ],
  };
}

/**
 * Bytes freed once the registry's garbage collection runs: blobs and manifests of freed manifests that no
 * surviving manifest of any planned repository still references, each counted once.
 */
export function reclaimableBytes(
  repositories: ReadonlyArray<{ inventory: RepositoryInventory; freed: ReadonlySet<string> }>,
): number {
  const surviving = new Set<string>();
  const freed = new Map<string, number>();
  for (const r of repositories) {
    for (const info of r.inventory.manifests.values()) {
      if (r.freed.has(info.digest)) continue;
      surviving.add(info.digest);
      for (const blob of info.blobs) surviving.add(blob.digest);
    }
  }
  for (const r of repositories) {
    for (const digest of r.freed) {
      const info = r.inventory.manifests.get(digest);
      if (!info) continue;
      for (const blob of [{ digest, size: info.size }, ...info.blobs]) {
        if (!surviving.has(blob.digest)) freed.set(blob.digest, blob.size);
      }
    }
  }
  let total = 0;
  for (const size of freed.values()) total += size;
  return total;
}

function setOnce<K, V>(map: Map<K, V>, key: K, value: V): boolean {
  if (map.has(key)) return false;
  map.set(key, value);
  return true;
}

function without<V>(map: Map<string, V>, drop: ReadonlyMap<string, unknown>): Map<string, V> {
  for (const key of drop.keys()) map.delete(key);
  return map;
}

function memo<T>(fn: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, fn(key));
    return cache.get(key) as T;
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Tags in code-point order (the same on every machine), then untagged manifests by digest. */
function byTagThenDigest(a: Decision, b: Decision): number {
  if (a.tag === null || b.tag === null)
    return a.tag === b.tag ? compare(a.digest, b.digest) : a.tag === null ? 1 : -1;
  return compare(a.tag, b.tag);
}
