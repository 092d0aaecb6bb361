import { mapLimit } from '../concurrency.js';
import type { RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { INVENTORY_MEDIA_TYPE, previousEntries, type Inventory, type InventoryEntry } from './inventory.js';
import { listTargetTags, mirrorTags, type TagTarget } from './mirror.js';
import { selectTags, type TagSelection } from './selection.js';
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
  type Session,
} from './session.js';

export interface BackupPlan {
  source: string;
  backup: string;
  /** Repositories on the source to back up. */
  repositories: readonly string[];
  selection: TagSelection;
  /** Prepended to each repository name in the backup registry, e.g. `dr/` (empty: the same names). */
  prefix: string;
  concurrency: number;
  dryRun: boolean;
}

export interface BackupReport extends CopyReport {
  inventory: Inventory;
}

/**
 * Backs up repositories from the primary by digest: per repository, the chosen tags (production tags
 * always) and the referrers tags of what they hold, then an inventory of what the backup now holds.
 * A repository that fails is reported and the others go on; `previous` (the last inventory, read meanwhile)
 * keeps sizes and first-backup times without reading manifests again.
 */
export async function runBackup(
  client: RegistryClient,
  plan: BackupPlan,
  log: Logger,
  now: Date,
  previous: Promise<Inventory | undefined>,
): Promise<BackupReport> {
  const report = emptyReport(plan.dryRun);
  let entries: InventoryEntry[] = [];
  const first = plan.repositories[0];
  if (first !== undefined) {
    const session = await openSession(
      client,
      repo(plan.source, first),
      repo(plan.backup, plan.prefix + first),
      { overwrite: true, dryRun: plan.dryRun, concurrency: plan.concurrency },
      log,
    );
    const results = await mapLimit(plan.repositories, plan.concurrency, (name) =>
      perRepository(report, name, 'backup', log, () => backupRepository(session, plan, name, log)),
    );
    report.repositories = results.filter((r): r is RepositoryResult => r !== undefined);
    entries = await inventoryEntries(session, plan, report.repositories, now, await previous);
    report.counters = session.copier.counters;
  }
  const inventory: Inventory = {
    schemaVersion: 1,
    mediaType: INVENTORY_MEDIA_TYPE,
    source: plan.source,
    backup: plan.backup,
    createdAt: now.toISOString(),
    complete: report.failures.length === 0,
    failures: report.failures,
    entries,
  };
  return { ...report, inventory };
}

async function backupRepository(
  session: Session,
  plan: BackupPlan,
  name: string,
  log: Logger,
): Promise<RepositoryResult> {
  const { client, copier } = session;
  const source = repo(plan.source, name);
  const target = repo(plan.backup, plan.prefix + name);
  // The backup's tag list does not depend on the primary's: ask both at once.
  const listing = listTargetTags(client, target);
  listing.catch(() => undefined); // awaited below; this only keeps an early failure of the primary from leaving it unhandled
  const selected = selectTags(await client.listTags(source), plan.selection);
  const resolve = async (tag: string): Promise<TagTarget | undefined> => {
    const d = await client.exists(source.withTag(tag));
    // A tag deleted on the primary since the listing is simply not backed up this time.
    return d && { tag, digest: d.digest, mediaType: d.mediaType };
  };
  const ordinary = defined(await mapLimit(selected.tags, plan.concurrency, resolve));
  const referrers = defined(await mapLimit([...selected.referrersTags.values()], plan.concurrency, resolve));
  const wanted = [
    ...ordinary,
    ...(await referrersFollowing(ordinary, referrers, selected.all, childrenVia(copier, source))),
  ];
  const tags = await mirrorTags(client, copier, source, target, wanted, session.options, listing);
  log.info(`${name}: ${summarizeTags(tags, plan.dryRun)}`);
  return { repository: name, counterpart: target.repository, tags };
}

/** One entry per backed-up tag; sizes and first-backup times come from the last inventory where it knew them. */
async function inventoryEntries(
  session: Session,
  plan: BackupPlan,
  results: readonly RepositoryResult[],
  now: Date,
  previous?: Inventory,
): Promise<InventoryEntry[]> {
  const known = previousEntries(previous);
  const tags = results.flatMap((r) =>
    r.tags.map((t) => ({ ...t, repository: r.repository, backupRepository: r.counterpart })),
  );
  return mapLimit(
    tags,
    plan.concurrency,
    async ({ repository, backupRepository, tag, digest, mediaType }) => {
      const before = known(backupRepository, tag, digest);
      const size = before?.size ?? (await session.copier.size(repo(plan.source, repository), digest));
      return {
        repository,
        backupRepository,
        tag,
        digest,
        mediaType,
        size,
        time: before?.time ?? now.toISOString(),
      };
    },
  );
}

function defined<T>(items: ReadonlyArray<T | undefined>): T[] {
  return items.filter((i): i is T => i !== undefined);
}
