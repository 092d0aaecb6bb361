import { StepError } from '../errors.js';
import { parseRepository, type Reference, type RegistryClient } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { TreeCopier, type CopyCounters } from './copy.js';
import type { InventoryFailure } from './inventory.js';
import type { MirrorOptions, TagResult, TagTarget } from './mirror.js';
import { progressReporter } from './progress.js';
import { referrersSubject, referrersTagsFor, type ManifestNode } from './selection.js';

/** What backup and restore share: one copier between two registries, and per-repository results and failures. */
export interface Session {
  client: RegistryClient;
  copier: TreeCopier;
  options: MirrorOptions & { sourceReferrersApi: boolean };
}

export interface RepositoryResult {
  repository: string;
  /** The repository it was copied from or to, on the other registry. */
  counterpart: string;
  tags: TagResult[];
}

export interface CopyReport {
  dryRun: boolean;
  repositories: RepositoryResult[];
  failures: InventoryFailure[];
  /** Whether a failure was transient (registry unreachable or overloaded through the retries). */
  infraFailure: boolean;
  counters: CopyCounters;
}

/** Opens a copier between two registries, asking each once whether it has the referrers API. */
export async function openSession(
  client: RegistryClient,
  source: Reference,
  target: Reference,
  options: MirrorOptions,
  log: Logger,
): Promise<Session> {
  const [sourceReferrersApi, targetReferrersApi] = await Promise.all([
    client.hasReferrersApi(source),
    client.hasReferrersApi(target),
  ]);
  const copier = new TreeCopier(client, {
    ...options,
    sourceReferrersApi,
    targetReferrersApi,
    onProgress: progressReporter(log, options.dryRun),
  });
  return { client, copier, options: { ...options, sourceReferrersApi } };
}

export function emptyReport(dryRun: boolean): CopyReport {
  return {
    dryRun,
    repositories: [],
    failures: [],
    infraFailure: false,
    counters: {
      manifestsCopied: 0,
      manifestsPresent: 0,
      blobsCopied: 0,
      blobsMounted: 0,
      blobsPresent: 0,
      bytesCopied: 0,
    },
  };
}

/**
 * Runs one repository's work; a registry failure is recorded in the report and the other repositories go
 * on. Bad input and bugs still end the run.
 */
export async function perRepository<T>(
  report: CopyReport,
  repository: string,
  verb: string,
  log: Logger,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof StepError) || err.exitCode === 2) throw err;
    log.warn(`${repository}: ${verb} failed: ${err.message}`);
    report.failures.push({ repository, error: err.message });
    report.infraFailure ||= err.exitCode === 3;
    return undefined;
  }
}

/** The referrers tags that go with the chosen tags: all of them when every tag was chosen. */
export async function referrersFollowing<T extends TagTarget>(
  chosen: readonly T[],
  referrers: readonly T[],
  all: boolean,
  childrenOf: (index: ManifestNode) => Promise<ManifestNode[]>,
): Promise<T[]> {
  if (all) return [...referrers];
  const bySubject = new Map(
    referrers.map((r) => [referrersSubject(r.tag) as string, { tag: r.tag, node: r }] as const),
  );
  const keep = new Set(await referrersTagsFor(chosen, bySubject, childrenOf));
  return referrers.filter((r) => keep.has(r.tag));
}

/** An index's children as the copier reads them (once per run). */
export function childrenVia(
  copier: TreeCopier,
  source: Reference,
): (index: ManifestNode) => Promise<ManifestNode[]> {
  return async (index) => {
    const m = await copier.manifest(source, index.digest);
    return 'manifests' in m.manifest ? m.manifest.manifests : [];
  };
}

export function summarizeTags(tags: readonly TagResult[], dryRun: boolean): string {
  const counts = new Map<string, number>();
  for (const t of tags) counts.set(t.outcome, (counts.get(t.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`);
  return `${tags.length} tags${parts.length ? ` (${parts.join(', ')})` : ''}${dryRun ? ' [dry run]' : ''}`;
}

export function repo(registry: string, name: string): Reference {
  return parseRepository(`${registry}/${name}`);
}
