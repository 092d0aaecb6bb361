import { UsageError } from '../errors.js';
import {
  EMPTY_CONFIG,
  RegistryError,
  type Capabilities,
  type Reference,
  type RegistryClient,
} from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import type { Operation, Reconciled } from './reconcile.js';
import { placeholderManifest, shortDigest } from './tags.js';

/** What became of one operation: done now, found already done, or skipped because its tag moved. */
export type Outcome =
  | { operation: Operation; result: 'done' | 'gone' }
  | { operation: Operation; result: 'skipped'; reason: string };

/** Removes tags and manifests after checking they are as planned; one per backend (OCI registry, ImageStreams). */
export interface Executor {
  /** 'done', 'gone' (nothing to do), or why the tag was left alone. */
  untag(tag: string, digest: string): Promise<'done' | 'gone' | { skipped: string }>;
  deleteManifest(digest: string): Promise<'done' | 'gone'>;
}

/**
 * Runs a reconciled plan: untags first (nothing depends on them), then manifest deletions wave by wave.
 * The first failure stops everything not yet started, so a later wave (an index's children, a signature's
 * subject) never runs after an earlier one failed; running again converges.
 */
export async function execute(
  executor: Executor,
  reconciled: Reconciled,
  concurrency: number,
  log?: Logger,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const total = reconciled.untags.length + reconciled.deleteWaves.reduce((n, w) => n + w.length, 0);
  const record = (outcome: Outcome) => {
    outcomes.push(outcome);
    if (total > 50) log?.progress(`applying: ${outcomes.length} of ${total} operations`);
  };
  try {
    await runUntilFailure(reconciled.untags, concurrency, async (op) => {
      const result = await executor.untag(op.tag, op.digest);
      record(
        typeof result === 'string'
          ? { operation: op, result }
          : { operation: op, result: 'skipped', reason: result.skipped },
      );
    });
    for (const wave of reconciled.deleteWaves) {
      await runUntilFailure(wave, concurrency, async (op) =>
        record({ operation: op, result: await executor.deleteManifest(op.digest) }),
      );
    }
  } catch (err) {
    throw new ApplyInterrupted(err, outcomes);
  }
  return outcomes;
}

/** A failure part way through; carries what was done before it, for the report. */
export class ApplyInterrupted extends Error {
  constructor(
    readonly failure: unknown,
    readonly outcomes: Outcome[],
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

/** Like mapLimit, but no new item starts once one has failed; the first error is rethrown after the rest settle. */
async function runUntilFailure<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

/**
 * Compare-and-delete on an OCI registry: an untag first checks by HEAD that the tag still names the planned
 * digest; a manifest deletion answered 404 counts as done. A tag goes by the OCI tag
 * DELETE where the registry has one; otherwise it is pointed at a placeholder of its own, which is then
 * deleted by digest, so the manifest it named (and every other tag on it) stays.
 */
export class RegistryExecutor implements Executor {
  private emptyConfigPushed = false;

  constructor(
    private readonly client: RegistryClient,
    private readonly repo: Reference,
    private readonly capabilities: Capabilities,
  ) {}

  async untag(tag: string, digest: string): Promise<'done' | 'gone' | { skipped: string }> {
    const ref = this.repo.withTag(tag);
    const now = await this.client.exists(ref);
    if (!now) return 'gone';
    const placeholder = this.capabilities.deleteTags ? undefined : placeholderManifest(tag);
    // A placeholder already on the tag is an untag that stopped half way: finish it.
    if (now.digest !== digest && now.digest !== placeholder?.digest)
      return { skipped: `tag moved to ${shortDigest(now.digest)} since it was checked` };
    if (!placeholder) {
      await this.deleteOrStop(ref);
      return 'done';
    }
    if (now.digest === digest) {
      if (!this.emptyConfigPushed)
        await this.client.pushBlob(this.repo, Buffer.from('{}'), EMPTY_CONFIG.digest);
      this.emptyConfigPushed = true;
      await this.client.putManifest(ref, placeholder.body, placeholder.mediaType);
    }
    await this.deleteOrStop(this.repo.withDigest(placeholder.digest));
    return 'done';
  }

  /** DELETE by digest is its own check: 404 means already gone. What may still reach it was checked when reconciling. */
  async deleteManifest(digest: string): Promise<'done' | 'gone'> {
    return (await this.deleteOrStop(this.repo.withDigest(digest))) === 'deleted' ? 'done' : 'gone';
  }

  private async deleteOrStop(ref: Reference): Promise<'deleted' | 'absent'> {
    try {
      return await this.client.deleteManifest(ref);
    } catch (err) {
      // The capability probe passed, yet this repository refuses: a per-repository rule. Stop here, clearly.
      if (err instanceof RegistryError && err.code === 'UNSUPPORTED') throw new UsageError(err.message);
      throw err;
    }
  }
}

/**
 * Stops before anything is deleted when the registry cannot delete manifests: distribution answers 405
 * UNSUPPORTED unless storage.delete.enabled is true, and other registries need a similar switch or role.
 */
export function requireDeletion(registry: string, capabilities: Capabilities): void {
  if (capabilities.deleteManifests) return;
  throw new UsageError(
    `${registry} refuses to delete manifests (DELETE answered 405/400 or was denied): enable deletion ` +
      '(distribution: storage.delete.enabled: true; other registries: the delete permission for this account); nothing was deleted',
  );
}
