import { describeReach } from './graph.js';
import type { Decision } from './model.js';
import type { RepositoryPlan } from './planner.js';
import { shortDigest } from './tags.js';

export interface UntagOperation {
  kind: 'untag';
  tag: string;
  digest: string;
}

export interface DeleteOperation {
  kind: 'delete';
  digest: string;
  /** Tags on the manifest now, which go with it. */
  tags: string[];
}

export type Operation = UntagOperation | DeleteOperation;

export interface Skip {
  tag: string | null;
  digest: string;
  reason: string;
}

export interface Reconciled {
  untags: UntagOperation[];
  /** Manifest deletions in waves: every operation of a wave may run at once, waves one after another. */
  deleteWaves: DeleteOperation[][];
  skipped: Skip[];
}

/**
 * Compares a plan with the repository as it is now (a fresh inventory planned with the same policy) and
 * keeps only what is still true. A tag that moved or is now kept is skipped; a manifest is deleted only
 * when nothing that stays reaches it now and every tag on it now was planned to go with it. What is
 * already gone counts as done. Placeholders of an interrupted untag are finished whatever the plan says.
 */
export function reconcile(
  planned: readonly Decision[],
  fresh: RepositoryPlan,
  usedDigests?: ReadonlyMap<string, string[]>,
): Reconciled {
  const { inventory } = fresh.graph;
  const freshByTag = new Map(fresh.decisions.filter((d) => d.tag !== null).map((d) => [d.tag as string, d]));
  const untags: UntagOperation[] = [];
  const deletes = new Map<string, DeleteOperation>();
  const skipped: Skip[] = [];
  const goingWith = new Map<string, Set<string>>();
  const plannedUntagged = new Set<string>();

  const goWith = (digest: string, tag: string | null) => {
    const set = goingWith.get(digest) ?? new Set<string>();
    if (tag !== null) set.add(tag);
    else plannedUntagged.add(digest);
    goingWith.set(digest, set);
  };

  for (const d of planned) {
    if (d.action === 'keep') continue;
    if (d.tag !== null) {
      const now = inventory.tags.get(d.tag);
      if (now === undefined) {
        // The tag is gone already; the manifest it named may be left, untagged: it still goes as planned.
        if (d.action === 'delete') goWith(d.digest, null);
        continue;
      }
      const placeholder = inventory.manifests.get(now)?.placeholderFor === d.tag;
      if (now !== d.digest && !placeholder) {
        skipped.push({
          tag: d.tag,
          digest: d.digest,
          reason: `tag moved to ${shortDigest(now)} since planning`,
        });
        continue;
      }
      const current = freshByTag.get(d.tag);
      if (current?.action === 'keep') {
        skipped.push({ tag: d.tag, digest: d.digest, reason: `now kept: ${current.reasons.join('; ')}` });
        continue;
      }
      if (placeholder) continue; // finished below, with every placeholder the fresh plan deletes
      // Planned to go with its manifest, but the manifest now stays (a kept tag shares it): the tag alone goes.
      if (d.action === 'untag' || current?.action === 'untag') {
        untags.push({ kind: 'untag', tag: d.tag, digest: d.digest });
        continue;
      }
    }
    if (d.action === 'delete') goWith(d.digest, d.tag);
  }

  for (const [digest, plannedTags] of goingWith) {
    const kept = fresh.kept.get(digest);
    const users = usedDigests?.get(digest);
    const strangers = [...inventory.tags]
      .filter(([tag, d]) => d === digest && !plannedTags.has(tag))
      .map(([tag]) => tag);
    const reason = kept
      ? `now kept: ${describeReach(kept)}`
      : users
        ? `now in use by ${users.join(', ')}`
        : strangers.length
          ? `tag ${strangers.map((t) => `"${t}"`).join(', ')} now points at it`
          : undefined;
    if (reason) {
      for (const tag of plannedTags)
        if (inventory.tags.get(tag) === digest) skipped.push({ tag, digest, reason });
      if (plannedUntagged.has(digest)) skipped.push({ tag: null, digest, reason });
      continue;
    }
    deletes.set(digest, {
      kind: 'delete',
      digest,
      tags: [...inventory.tags].filter(([, d]) => d === digest).map(([t]) => t),
    });
  }
  for (const d of fresh.decisions) {
    if (
      d.action === 'delete' &&
      inventory.manifests.get(d.digest)?.placeholderFor &&
      !deletes.has(d.digest)
    ) {
      deletes.set(d.digest, { kind: 'delete', digest: d.digest, tags: d.tag ? [d.tag] : [] });
    }
  }
  return { untags, deleteWaves: orderDeletes([...deletes.values()], fresh), skipped };
}

/**
 * Orders manifest deletions so that a run stopped at any point leaves nothing that stays broken or
 * orphaned: an index goes before the manifests it lists (a tag never names a broken index), and a
 * subject's referrers, signatures and fallback index go before the subject (no orphans).
 */
export function orderDeletes(deletes: DeleteOperation[], fresh: RepositoryPlan): DeleteOperation[][] {
  const byDigest = new Map(deletes.map((op) => [op.digest, op]));
  const before = new Map<string, Set<string>>(deletes.map((op) => [op.digest, new Set<string>()]));
  for (const op of deletes) {
    for (const child of fresh.graph.successors(op.digest, 'child'))
      if (byDigest.has(child)) before.get(child)?.add(op.digest);
    for (const referrer of fresh.graph.successors(op.digest, 'referrer'))
      if (byDigest.has(referrer)) before.get(op.digest)?.add(referrer);
  }
  const waves: DeleteOperation[][] = [];
  const done = new Set<string>();
  while (done.size < deletes.length) {
    let wave = deletes.filter(
      (op) => !done.has(op.digest) && [...(before.get(op.digest) ?? [])].every((d) => done.has(d)),
    );
    // A cycle (an index listing its own referrer) cannot be ordered; what is left goes together.
    if (wave.length === 0) wave = deletes.filter((op) => !done.has(op.digest));
    wave.forEach((op) => done.add(op.digest));
    waves.push(wave);
  }
  return waves;
}
