import { runBackup, type BackupReport } from '../lib/backup/backup.js';
import {
  concurrencyFlag,
  copyFlags,
  inventoryName,
  registryHost,
  repositoryName,
  repositoryPatterns,
  repositoryPrefix,
  tagGlobs,
} from '../lib/backup/flags.js';
import { inventoryTag, LATEST, totalSize, type Inventory } from '../lib/backup/inventory.js';
import { describeCounters } from '../lib/backup/progress.js';
import { formatBytes } from '../lib/units.js';
import { needsCatalog, selectRepositories } from '../lib/backup/selection.js';
import {
  latestInventory,
  pullInventory,
  pushInventory,
  readInventoryFile,
  writeInventoryFile,
} from '../lib/backup/store.js';
import { verifyInventory, verifyOutcome } from '../lib/backup/verify.js';
import { ExitCode, GateError, UsageError, type ExitCodeValue } from '../lib/errors.js';
import {
  clientFromFlags,
  parseRepository,
  registryFlags,
  type Reference,
  type RegistryClient,
} from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import type { Logger } from '../lib/tekton/log.js';
import { defineStep, type StepContext } from '../lib/tekton/step.js';
import { checkOutputFile } from '../lib/config/paths.js';

const NAME = 'backup';
export const DEFAULT_PRODUCTION_TAGS = ['prod', 'production', '*.*.*'];

const flags = {
  'source-registry': {
    type: 'string',
    description: 'The primary registry to back up (required unless --verify)',
    valueName: 'HOST',
  },
  'backup-registry': {
    type: 'string',
    description: 'The backup registry',
    required: true,
    valueName: 'HOST',
  },
  repository: {
    type: 'string',
    multiple: true,
    description:
      'Repository to back up, or a glob over the catalog (* any run of characters); space or comma separated',
    valueName: 'REPO',
  },
  tag: {
    type: 'string',
    multiple: true,
    description: 'Tags to back up, as globs (default *, every tag)',
    valueName: 'GLOB',
  },
  'production-tag': {
    type: 'string',
    multiple: true,
    description: `Production tags, backed up whatever --tag says (default ${DEFAULT_PRODUCTION_TAGS.join(' ')})`,
    valueName: 'GLOB',
  },
  prefix: {
    type: 'string',
    description: 'Put the repositories under this path in the backup registry, e.g. dr/primary',
    valueName: 'PATH',
  },
  'inventory-file': {
    type: 'string',
    description: 'Write the inventory here too (with --verify: check this inventory)',
    valueName: 'PATH',
  },
  inventory: {
    type: 'string',
    description: 'With --verify: the inventory to check, by tag in the inventory repository',
    default: LATEST,
    valueName: 'NAME',
  },
  verify: {
    type: 'boolean',
    description:
      'Check an inventory instead of backing up: every entry pullable from the backup by its digest',
  },
  ...copyFlags,
  ...dryRunFlag,
  ...registryFlags,
} as const;

export const step = defineStep({
  name: NAME,
  summary:
    'Back up repositories from the primary registry to a backup registry by digest, incrementally, and record an inventory.',
  flags,
  results: ['INVENTORY', 'BACKUP_SUMMARY', 'VERIFY_SUMMARY'],
  details: [
    'Copies every chosen tag with what it holds: multi-arch indexes whole, referrers (signatures, SBOMs, scan',
    'reports) through the referrers API or their sha256-<hex> tags. What the backup has (by digest) is skipped,',
    'blobs another backup repository holds are mounted. Manifests go after what they reference and tags last, so',
    'an interrupted run is completed by running again. The inventory (repository, tag, digest, size, time) is',
    'pushed to --inventory-repository as <timestamp> and, when every repository succeeded, latest.',
    'Exit codes: 0 done; 1 a repository failed or --verify found a problem; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run(ctx) {
    const f = ctx.flags;
    if (!f.verify) checkOutputFile(f['inventory-file']?.trim(), '--inventory-file');
    const backup = registryHost(NAME, 'backup-registry', f['backup-registry']);
    const inventoryRepo = parseRepository(
      `${backup}/${repositoryName(NAME, 'inventory-repository', f['inventory-repository'])}`,
    );
    const concurrency = concurrencyFlag(NAME, f.concurrency);
    const client = clientFromFlags(f, ctx.log, { concurrency });
    try {
      if (f.verify) return await verify(ctx, client, backup, inventoryRepo, concurrency);
      return await backUp(ctx, client, backup, inventoryRepo, concurrency);
    } finally {
      await client.close();
    }
  },
});

type Ctx = StepContext<typeof flags>;

async function backUp(
  ctx: Ctx,
  client: RegistryClient,
  backup: string,
  inventoryRepo: Reference,
  concurrency: number,
): Promise<ExitCodeValue> {
  const { flags: f, log } = ctx;
  if (!f['source-registry']?.trim())
    throw new UsageError(`${NAME}: --source-registry is required (except with --verify)`);
  const source = registryHost(NAME, 'source-registry', f['source-registry']);
  const patterns = repositoryPatterns(NAME, 'repository', f.repository);
  if (patterns.length === 0)
    throw new UsageError(`${NAME}: --repository is required: a repository or a glob such as team/*`);
  const prefix = repositoryPrefix(NAME, f.prefix);
  if (source === backup && !prefix)
    throw new UsageError(
      `${NAME}: --source-registry and --backup-registry are both ${source}; give --prefix to back up into the same registry`,
    );
  const selection = {
    tags: tagGlobs(NAME, 'tag', f.tag, ['*']),
    productionTags: tagGlobs(NAME, 'production-tag', f['production-tag'], DEFAULT_PRODUCTION_TAGS),
  };
  const started = Date.now();

  const catalog = needsCatalog(patterns) ? await client.catalog(source) : [];
  const exclude = catalog.filter(
    (name) => (prefix && name.startsWith(prefix)) || (source === backup && name === inventoryRepo.repository),
  );
  const repositories = selectRepositories(patterns, catalog, exclude);
  if (repositories.length === 0)
    throw new GateError(
      `${NAME}: --repository ${patterns.join(' ')} matches no repository in the catalog of ${source}`,
    );
  log.info(
    `backing up ${repositories.length} repositories from ${source} to ${backup}${f['dry-run'] ? ' (dry run)' : ''}`,
  );

  // Read while the repositories are copied; it is needed only for the inventory at the end.
  const previous = previousInventory(client, inventoryRepo, log);
  previous.catch(() => undefined); // awaited by runBackup; this only keeps a failure before then from going unhandled
  const now = new Date();
  const report = await runBackup(
    client,
    { source, backup, repositories, selection, prefix, concurrency, dryRun: f['dry-run'] },
    log,
    now,
    previous,
  );

  let inventoryRef: string | null = null;
  const inventoryTags = [inventoryTag(now), ...(report.inventory.complete ? [LATEST] : [])];
  if (!f['dry-run']) {
    // The file first: a workspace copy survives a backup registry that fails at the last moment.
    if (f['inventory-file']) writeInventoryFile(f['inventory-file'], '--inventory-file', report.inventory);
    const pushed = await pushInventory(client, inventoryRepo, report.inventory, inventoryTags);
    inventoryRef = inventoryRepo.withDigest(pushed.digest).toString();
    log.info(
      `inventory ${inventoryRepo.context()}:${inventoryTags.join(', :')} (${report.inventory.entries.length} entries)`,
    );
  }
  const output = backupOutput(
    report,
    inventoryRef,
    inventoryTags,
    f['dry-run'] ? [] : inventoryTags,
    client.transport.requestCount,
    Date.now() - started,
  );
  ctx.results.set('INVENTORY', inventoryRef ?? '').set('BACKUP_SUMMARY', output.summary);
  ctx.emit(output, () => backupText(output, report));
  if (report.failures.length === 0) return ExitCode.ok;
  return report.infraFailure ? ExitCode.infra : ExitCode.gate;
}

/** The last complete inventory: it carries sizes and first-backup times forward. Unreadable is not fatal. */
async function previousInventory(
  client: RegistryClient,
  inventoryRepo: Reference,
  log: Logger,
): Promise<Inventory | undefined> {
  try {
    return await latestInventory(client, inventoryRepo, LATEST);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    log.warn(`the previous inventory cannot be used (${err.message}); sizes are measured again`);
    return undefined;
  }
}

function backupOutput(
  report: BackupReport,
  inventoryRef: string | null,
  plannedTags: string[],
  pushedTags: string[],
  requests: number,
  durationMs: number,
) {
  const tags = report.repositories.flatMap((r) =>
    r.tags.map((t) => ({ ...t, repository: r.repository, backupRepository: r.counterpart })),
  );
  const count = (outcome: string) => tags.filter((t) => t.outcome === outcome).length;
  const c = report.counters;
  const summary =
    `${report.dryRun ? 'dry run: ' : ''}${report.repositories.length} repositories, ${tags.length} tags ` +
    `(${count('created')} new, ${count('updated')} moved, ${count('unchanged')} unchanged); ` +
    `${report.dryRun ? 'would copy' : 'copied'} ${c.manifestsCopied} manifests, ${c.blobsCopied} blobs (${formatBytes(c.bytesCopied)}), mounted ${c.blobsMounted}` +
    (report.failures.length ? `; ${report.failures.length} repositories FAILED` : '');
  return {
    mode: 'backup' as const,
    dryRun: report.dryRun,
    source: report.inventory.source,
    backup: report.inventory.backup,
    summary,
    inventory: {
      reference: inventoryRef,
      tags: pushedTags,
      plannedTags,
      complete: report.inventory.complete,
      entries: report.inventory.entries.length,
      bytes: totalSize(report.inventory.entries),
    },
    repositories: report.repositories.map((r) => ({
      repository: r.repository,
      backupRepository: r.counterpart,
      tags: r.tags.length,
      created: r.tags.filter((t) => t.outcome === 'created').length,
      updated: r.tags.filter((t) => t.outcome === 'updated').length,
      unchanged: r.tags.filter((t) => t.outcome === 'unchanged').length,
    })),
    changes: tags
      .filter((t) => t.outcome !== 'unchanged')
      .map((t) => ({
        repository: t.repository,
        tag: t.tag,
        digest: t.digest,
        outcome: t.outcome,
        ...(t.previousDigest ? { previousDigest: t.previousDigest } : {}),
      })),
    copied: c,
    failures: report.failures,
    requests,
    durationMs,
  };
}

function backupText(output: ReturnType<typeof backupOutput>, report: BackupReport): string {
  return [
    output.summary,
    describeCounters(report.counters, report.dryRun),
    ...output.repositories.map(
      (r) =>
        `  ${r.repository} -> ${r.backupRepository}: ${r.tags} tags (${r.created} new, ${r.updated} moved, ${r.unchanged} unchanged)`,
    ),
    ...output.failures.map((f) => `  FAILED ${f.repository}: ${f.error}`),
    output.inventory.reference
      ? `inventory: ${output.inventory.reference} (tags ${output.inventory.tags.join(', ')})`
      : `inventory: not written (dry run)`,
    `${output.requests} registry requests in ${(output.durationMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

async function verify(
  ctx: Ctx,
  client: RegistryClient,
  backup: string,
  inventoryRepo: Reference,
  concurrency: number,
): Promise<ExitCodeValue> {
  const { flags: f, log } = ctx;
  const file = f['inventory-file']?.trim();
  const name = inventoryName(NAME, f.inventory);
  const inventory = file
    ? readInventoryFile(file, '--inventory-file')
    : await pullInventory(client, inventoryRepo, name);
  const origin = file ?? `${inventoryRepo.context()}:${name}`;
  log.info(
    `verifying ${inventory.entries.length} entries of inventory ${origin} (${inventory.createdAt}) against ${backup}`,
  );
  const report = await verifyInventory(
    client,
    inventory.entries,
    { registry: backup, repositoryOf: (e) => e.backupRepository, tagsMustMatch: false },
    concurrency,
    log,
  );
  const outcome = verifyOutcome(report, origin, client.transport.requestCount);
  ctx.results.set('VERIFY_SUMMARY', outcome.output.summary);
  ctx.emit(outcome.output, outcome.text);
  return outcome.exitCode;
}
