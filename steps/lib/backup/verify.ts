import { mapLimit, onceByKey } from '../concurrency.js';
import { errorMessage, ExitCode, StepError, type ExitCodeValue } from '../errors.js';
import { isIndex, type RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { repo } from './session.js';
import type { InventoryEntry } from './inventory.js';

export interface VerifyProblem {
  repository: string;
  tag: string;
  digest: string;
  problem: string;
}

export interface VerifyReport {
  entries: number;
  manifestsChecked: number;
  blobsChecked: number;
  /** Entries that cannot be pulled from the backup by their digest. */
  problems: VerifyProblem[];
  /** Tags the backup now points elsewhere (a later run moved them): the digest is still checked. */
  movedTags: Array<{ repository: string; tag: string; digest: string; now: string | null }>;
  /** A registry failure that outlasted the retries, rather than something missing. */
  infraFailure: boolean;
}

export interface VerifyPlace {
  registry: string;
  /** Where an entry lives there: its backup repository in the backup, its own name in a restored registry. */
  repositoryOf: (entry: InventoryEntry) => string;
  /** A tag pointing elsewhere is a problem (a restore must match) rather than a note (a later backup moved it). */
  tagsMustMatch: boolean;
}

/**
 * Checks that inventory entries can be pulled as recorded: each manifest by digest (the client checks the
 * body's digest), down through index children, and a HEAD of every config and layer; then where the tag points.
 */
export async function verifyInventory(
  client: RegistryClient,
  entries: readonly InventoryEntry[],
  place: VerifyPlace,
  concurrency: number,
  log: Logger,
): Promise<VerifyReport> {
  const report: VerifyReport = {
    entries: entries.length,
    manifestsChecked: 0,
    blobsChecked: 0,
    problems: [],
    movedTags: [],
    infraFailure: false,
  };
  // A problem found once is the answer for every entry that shares the manifest or blob.
  const manifests = onceByKey<void>({ keepFailures: true });
  const blobs = onceByKey<void>({ keepFailures: true });

  const checkManifest = (repository: string, digest: string): Promise<void> =>
    manifests(`${repository}@${digest}`, async () => {
      const ref = repo(place.registry, repository);
      const m = await client.getManifest(ref.withDigest(digest));
      report.manifestsChecked++;
      if (isIndex(m.descriptor.mediaType) && 'manifests' in m.manifest) {
        await mapLimit(m.manifest.manifests, concurrency, (child) => checkManifest(repository, child.digest));
      } else if ('config' in m.manifest) {
        const wanted = [m.manifest.config, ...m.manifest.layers].filter((d) => !d.urls?.length);
        await mapLimit(wanted, concurrency, (blob) => checkBlob(repository, blob.digest));
      }
    });
  const checkBlob = (repository: string, digest: string): Promise<void> =>
    blobs(`${repository}@${digest}`, async () => {
      const found = await client.headBlob(repo(place.registry, repository), digest);
      report.blobsChecked++;
      if (!found) throw new Error(`blob ${digest} is missing`);
    });

  await mapLimit(entries, concurrency, async (e) => {
    const repository = place.repositoryOf(e);
    try {
      await checkManifest(repository, e.digest);
      const now = (await client.exists(repo(place.registry, repository).withTag(e.tag)))?.digest ?? null;
      if (now !== e.digest && place.tagsMustMatch)
        throw new Error(now ? `the tag points at ${now}` : 'the tag is missing');
      if (now !== e.digest) report.movedTags.push({ repository, tag: e.tag, digest: e.digest, now });
    } catch (err) {
      if (err instanceof StepError && err.exitCode === 2) throw err;
      report.infraFailure ||= err instanceof StepError && err.exitCode === 3;
      report.problems.push({ repository, tag: e.tag, digest: e.digest, problem: errorMessage(err) });
    }
    log.progress(
      `verified ${report.manifestsChecked} manifests, ${report.blobsChecked} blobs; ${report.problems.length} problems`,
    );
  });
  return report;
}

/** What a verify run prints (text and JSON) and its exit code: 1 when an entry cannot be pulled, 3 when a registry failed. */
export function verifyOutcome(report: VerifyReport, origin: string, requests: number) {
  const ok = report.problems.length === 0;
  const output = {
    mode: 'verify' as const,
    inventory: origin,
    ok,
    summary:
      `${ok ? 'verified' : 'FAILED'}: ${report.entries - report.problems.length} of ${report.entries} entries pullable by digest ` +
      `(${report.manifestsChecked} manifests, ${report.blobsChecked} blobs checked)` +
      (report.movedTags.length ? `; ${report.movedTags.length} tags moved since` : ''),
    ...report,
    requests,
  };
  const text = () =>
    [
      output.summary,
      ...report.problems.map((p) => `  FAIL ${p.repository}:${p.tag}@${p.digest}: ${p.problem}`),
      ...report.movedTags.map(
        (m) =>
          `  note: ${m.repository}:${m.tag} now points at ${m.now ?? 'nothing'} (inventory: ${m.digest}; the digest itself was checked)`,
      ),
    ].join('\n');
  const exitCode: ExitCodeValue = ok ? ExitCode.ok : report.infraFailure ? ExitCode.infra : ExitCode.gate;
  return { output, text, exitCode };
}
