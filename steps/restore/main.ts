import {
  concurrencyFlag,
  copyFlags,
  inventoryName,
  listFlag,
  registryHost,
  repositoryName,
  tagGlobs,
} from '../lib/backup/flags.js';
import { LATEST } from '../lib/backup/inventory.js';
import { describeCounters } from '../lib/backup/progress.js';
import { formatBytes } from '../lib/units.js';
import { runRestore, verifyRestore, type RestoreReport } from '../lib/backup/restore.js';
import { verifyOutcome } from '../lib/backup/verify.js';
import { pullInventory, readInventoryFile } from '../lib/backup/store.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { clientFromFlags, parseRepository, registryFlags } from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';

const NAME = 'restore';
const REPOSITORY_GLOB = /^[a-z0-9._/*-]+$/;

export const step = defineStep({
  name: NAME,
  summary: 'Restore repositories and tags from a backup inventory into a registry, digest-identical.',
  flags: {
    'backup-registry': {
      type: 'string',
      description: 'The backup registry to restore from',
      required: true,
      valueName: 'HOST',
    },
    'target-registry': {
      type: 'string',
      description: 'The registry to restore into (the rebuilt primary)',
      required: true,
      valueName: 'HOST',
    },
    inventory: {
      type: 'string',
      description:
        "The inventory to restore, by tag in the inventory repository: latest or a run's timestamp",
      default: LATEST,
      valueName: 'NAME',
    },
    'inventory-file': {
      type: 'string',
      description: 'Restore from this inventory file instead (e.g. the workspace copy)',
      valueName: 'PATH',
    },
    repository: {
      type: 'string',
      multiple: true,
      description:
        'Repositories to restore, as globs over the inventory (default *, all); space or comma separated',
      valueName: 'GLOB',
    },
    tag: {
      type: 'string',
      multiple: true,
      description: 'Tags to restore, as globs (default *, all); referrers follow their images',
      valueName: 'GLOB',
    },
    force: {
      type: 'string',
      description:
        'true: move target tags that point at another digest; false: report them and leave them alone',
      choices: ['true', 'false'],
      default: 'false',
    },
    verify: {
      type: 'boolean',
      description:
        'Check the target instead of restoring: every chosen tag resolves to its recorded digest and all it holds can be pulled',
    },
    ...copyFlags,
    ...dryRunFlag,
    ...registryFlags,
  },
  results: ['RESTORE_SUMMARY', 'RESTORED_TAGS', 'CONFLICTS', 'VERIFY_SUMMARY'],
  details: [
    'Every manifest is copied from the backup by the digest the inventory recorded, with index children, blobs and',
    'referrers, before any tag is set. A target tag that already points at the recorded digest is left as it is; one',
    'that points elsewhere is a conflict unless --force true (a referrers tag is merged instead).',
    'With --verify nothing is copied: the chosen entries are checked in the target (exit 1 when one does not match).',
    'Exit codes: 0 restored; 1 conflicts or a repository failed; 2 bad input; 3 registry unreachable.',
  ].join('\n'),
  async run(ctx) {
    const { flags: f, log } = ctx;
    const backup = registryHost(NAME, 'backup-registry', f['backup-registry']);
    const target = registryHost(NAME, 'target-registry', f['target-registry']);
    const repositories = listFlag(f.repository);
    for (const r of repositories) {
      // Longer than a repository name can be (255), it can match nothing in any inventory.
      if (!REPOSITORY_GLOB.test(r) || r.length > 255)
        throw new UsageError(
          `${NAME}: --repository "${r}" is not a repository name or glob (lowercase names, / and *)`,
        );
    }
    const tags = tagGlobs(NAME, 'tag', f.tag, ['*']);
    const concurrency = concurrencyFlag(NAME, f.concurrency);
    const inventoryRepo = parseRepository(
      `${backup}/${repositoryName(NAME, 'inventory-repository', f['inventory-repository'])}`,
    );
    const file = f['inventory-file']?.trim();
    const name = inventoryName(NAME, f.inventory);
    const started = Date.now();

    const plan = {
      backup,
      target,
      repositories: repositories.length ? repositories : ['*'],
      tags,
      force: f.force === 'true',
      concurrency,
      dryRun: f['dry-run'],
    };
    const client = clientFromFlags(f, log, { concurrency });
    let report: RestoreReport;
    let origin: string;
    try {
      const inventory = file
        ? readInventoryFile(file, '--inventory-file')
        : await pullInventory(client, inventoryRepo, name);
      origin = file ?? `${inventoryRepo.context()}:${name}`;
      if (f.verify) {
        log.info(`checking ${target} against inventory ${origin} (${inventory.createdAt})`);
        const outcome = verifyOutcome(
          await verifyRestore(client, inventory, plan, log),
          origin,
          client.transport.requestCount,
        );
        ctx.results.set('VERIFY_SUMMARY', outcome.output.summary);
        ctx.emit(outcome.output, outcome.text);
        return outcome.exitCode;
      }
      log.info(
        `restoring from inventory ${origin} (${inventory.createdAt}, ${inventory.entries.length} entries) into ${target}${f['dry-run'] ? ' (dry run)' : ''}`,
      );
      report = await runRestore(client, inventory, plan, log);
    } finally {
      await client.close();
    }

    const all = report.repositories.flatMap((r) => r.tags.map((t) => ({ ...t, repository: r.repository })));
    const count = (outcome: string) => all.filter((t) => t.outcome === outcome).length;
    const restored = count('created') + count('updated') + count('merged');
    const c = report.counters;
    const summary =
      `${report.dryRun ? 'dry run: ' : ''}${report.repositories.length} repositories, ${all.length} tags: ` +
      `${count('created')} restored, ${count('updated')} overwritten, ${count('merged')} referrers merged, ${count('unchanged')} already there, ` +
      `${report.conflicts.length} conflicts; ${report.dryRun ? 'would copy' : 'copied'} ${c.blobsCopied} blobs (${formatBytes(c.bytesCopied)})` +
      (report.failures.length ? `; ${report.failures.length} repositories FAILED` : '');
    const output = {
      mode: 'restore' as const,
      dryRun: report.dryRun,
      inventory: origin,
      backup,
      target,
      summary,
      repositories: report.repositories.map((r) => ({
        repository: r.repository,
        backupRepository: r.counterpart,
        tags: r.tags.length,
      })),
      tags: all.map((t) => ({
        repository: t.repository,
        tag: t.tag,
        digest: t.digest,
        outcome: t.outcome,
        ...(t.previousDigest ? { previousDigest: t.previousDigest } : {}),
      })),
      conflicts: report.conflicts,
      copied: c,
      failures: report.failures,
      requests: client.transport.requestCount,
      durationMs: Date.now() - started,
    };
    ctx.results
      .set('RESTORE_SUMMARY', summary)
      .set('RESTORED_TAGS', String(restored))
      .set('CONFLICTS', String(report.conflicts.length));
    ctx.emit(output, () =>
      [
        summary,
        describeCounters(c, report.dryRun),
        ...report.conflicts.map(
          (k) =>
            `  CONFLICT ${target}/${k.repository}:${k.tag} points at ${k.targetDigest}, the inventory at ${k.digest} (--force true moves it)`,
        ),
        ...report.failures.map((x) => `  FAILED ${x.repository}: ${x.error}`),
      ].join('\n'),
    );
    if (report.failures.length) return report.infraFailure ? ExitCode.infra : ExitCode.gate;
    return report.conflicts.length ? ExitCode.gate : ExitCode.ok;
  },
});
