import { mapLimit } from '../concurrency.js';
import { UsageError } from '../errors.js';
import type { RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import {
  childrenVia,
  emptyReport,
  openSession,
  perRepository,
  referrersFollowing,
  repo,
  summarizeTags,
  type CopyReport,
  type RepositoryResult,
} from './session.js';
import type { Inventory, InventoryEntry } from './inventory.js';
import { mirrorTags, type TagTarget } from './mirror.js';
import { matchesAny, referrersSubject, type ManifestNode } from './selection.js';
import { verifyInventory, type VerifyReport } from './verify.js';

export interface RestorePlan {
  /** The backup registry, as reached from here (it may differ from the name the inventory recorded). */
  backup: string;
  target: string;
  /** Globs over the inventory's (primary) repository names. */
  repositories: readonly string[];
  /** Globs over tags; referrers tags follow the tags they belong to. */
  tags: readonly string[];
  /** Move target tags that point elsewhere; without it they are reported as conflicts and left alone. */
  force: boolean;
  concurrency: number;
  dryRun: boolean;
}

export interface Conflict {
  repository: string;
  tag: string;
  /** What the inventory says. */
  digest: string;
  /** What the target's tag points at. */
  targetDigest: string;
}

export interface RestoreReport extends CopyReport {
  conflicts: Conflict[];
}

/**
 * Restores an inventory's tags into the target registry, digest-identical: each manifest tree is copied
 * from the backup by digest (so a tag moved in the backup since does not matter), then the tags are set.
 */
export async function runRestore(
  client: RegistryClient,
  inventory: Inventory,
  plan: RestorePlan,
  log: Logger,
): Promise<RestoreReport> {
  const groups = restoreGroups(inventory, plan);
  const report: RestoreReport = { ...emptyReport(plan.dryRun), conflicts: [] };
  const [firstEntry] = groups[0] as [InventoryEntry];
  const session = await openSession(
    client,
    repo(plan.backup, firstEntry.backupRepository),
    repo(plan.target, firstEntry.repository),
    { overwrite: plan.force, dryRun: plan.dryRun, concurrency: plan.concurrency },
    log,
  );
  const results = await mapLimit(groups, plan.concurrency, (entries) => {
    const { repository, backupRepository } = entries[0] as InventoryEntry;
    return perRepository(report, repository, 'restore', log, async () => {
      const source = repo(plan.backup, backupRepository);
      const wanted = await wantedEntries(entries, plan.tags, childrenVia(session.copier, source));
      const tags = await mirrorTags(
        client,
        session.copier,
        source,
        repo(plan.target, repository),
        wanted.map(tagTarget),
        session.options,
      );
      log.info(`${repository}: ${summarizeTags(tags, plan.dryRun)}`);
      return { repository, counterpart: backupRepository, tags } satisfies RepositoryResult;
    });
  });
  for (const result of results) {
    if (!result) continue;
    report.repositories.push(result);
    for (const t of result.tags) {
      if (t.outcome === 'conflict')
        report.conflicts.push({
          repository: result.repository,
          tag: t.tag,
          digest: t.digest,
          targetDigest: t.previousDigest as string,
        });
    }
  }
  report.counters = session.copier.counters;
  return report;
}

/**
 * Checks a restore: every chosen entry's tag in the target resolves to the recorded digest, and everything
 * that digest holds can be pulled from the target.
 */
export async function verifyRestore(
  client: RegistryClient,
  inventory: Inventory,
  plan: Omit<RestorePlan, 'force' | 'dryRun'>,
  log: Logger,
): Promise<VerifyReport> {
  const groups = restoreGroups(inventory, plan);
  const chosen = await mapLimit(groups, plan.concurrency, (entries) =>
    wantedEntries(entries, plan.tags, async (index) => {
      const { manifest } = await client.getManifest(
        repo(plan.backup, (entries[0] as InventoryEntry).backupRepository).withDigest(index.digest),
      );
      return 'manifests' in manifest ? manifest.manifests : [];
    }),
  );
  return verifyInventory(
    client,
    chosen.flat(),
    { registry: plan.target, repositoryOf: (e) => e.repository, tagsMustMatch: true },
    plan.concurrency,
    log,
  );
}

/** The inventory's entries of the chosen repositories, one list per repository; a choice that matches nothing is bad input. */
function restoreGroups(
  inventory: Inventory,
  plan: Pick<RestorePlan, 'repositories' | 'tags'>,
): InventoryEntry[][] {
  const groups = new Map<string, InventoryEntry[]>();
  for (const e of inventory.entries) {
    if (!matchesAny(plan.repositories, e.repository)) continue;
    const key = `${e.repository}\n${e.backupRepository}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  if (groups.size === 0) {
    throw new UsageError(
      `restore: --repository ${plan.repositories.join(' ')} matches no repository of the inventory (it has ${describeRepositories(inventory)})`,
    );
  }
  const anyTag = [...groups.values()]
    .flat()
    .some((e) => !referrersSubject(e.tag) && matchesAny(plan.tags, e.tag));
  if (!anyTag)
    throw new UsageError(
      `restore: --tag ${plan.tags.join(' ')} matches no tag of the chosen repositories in the inventory`,
    );
  return [...groups.values()];
}

/** One repository's entries to restore: the tags matching the globs, and the referrers tags of what they hold. */
async function wantedEntries(
  entries: readonly InventoryEntry[],
  tags: readonly string[],
  childrenOf: (index: ManifestNode) => Promise<ManifestNode[]>,
): Promise<InventoryEntry[]> {
  const ordinary = entries.filter((e) => !referrersSubject(e.tag));
  const chosen = ordinary.filter((e) => matchesAny(tags, e.tag));
  const referrers = entries.filter((e) => referrersSubject(e.tag));
  return [
    ...chosen,
    ...(await referrersFollowing(chosen, referrers, chosen.length === ordinary.length, childrenOf)),
  ];
}

function tagTarget(e: InventoryEntry): TagTarget {
  return { tag: e.tag, digest: e.digest, mediaType: e.mediaType };
}

function describeRepositories(inventory: Inventory): string {
  const names = [...new Set(inventory.entries.map((e) => e.repository))].sort();
  if (names.length === 0) return 'none';
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}
