import type { Logger } from '../tekton/log.js';
import { ApplyInterrupted, execute, type Outcome } from './apply.js';
import type { Backend } from './backend.js';
import type { ImageInUse, InUseSource } from './in-use.js';
import type { Decision, Plan, RepositoryInventory } from './model.js';
import { planRepository, planRetention, reclaimableBytes } from './planner.js';
import { selectsRepository, type RetentionPolicy } from './policy.js';
import { reconcile, type Reconciled } from './reconcile.js';

export interface RetentionRun {
  backend: Backend;
  policy: RetentionPolicy;
  /** Where images in use come from, when the policy protects them. */
  inUseSource?: InUseSource;
  /** Repositories named on the command line; none means every repository the backend lists. */
  repositories: readonly string[];
  /** Change the registry; otherwise only plan (or check a given plan). */
  apply: boolean;
  /** A plan read from --apply-plan, instead of planning now. */
  planned?: Plan;
  now: number;
  concurrency: number;
  log: Logger;
}

export interface RetentionResult {
  plan: Plan;
  warnings: string[];
}

/**
 * Plans (or takes a given plan), and with apply checks each repository again right before changing it:
 * a fresh inventory planned with the same policy, reconciled with the plan, so that only what is still
 * true is done. Repositories are handled one at a time, which keeps the window between check and delete short.
 */
export async function runRetention(run: RetentionRun): Promise<RetentionResult> {
  const { backend, policy, log } = run;
  const warnings: string[] = [];
  let images: ImageInUse[] | undefined;
  const imagesInUse = async () => (images ??= run.inUseSource ? await run.inUseSource.imagesInUse() : []);

  let plan = run.planned;
  if (!plan) {
    const repositories = await selectedRepositories(run);
    const inventories: RepositoryInventory[] = [];
    for (const [i, repository] of repositories.entries()) {
      log.progress(
        `reading ${backend.description}: repository ${i + 1} of ${repositories.length} (${repository})`,
      );
      inventories.push(await backend.inventory(repository, log));
    }
    const used = await imagesInUse();
    const inUse = backend.inUse(used, policy, inventories);
    plan = planRetention(
      { inventories, policy, inUse, now: run.now, tagsOnly: backend.tagsOnly },
      !run.apply,
    ).plan;
    if (!run.apply) {
      const changing = plan.decisions.find((d) => d.action !== 'keep');
      if (changing) warnings.push(...(await backend.dryRunWarnings(changing.repository)));
      return { plan, warnings };
    }
  }

  const byRepository = new Map<string, Decision[]>();
  for (const d of plan.decisions)
    byRepository.set(d.repository, [...(byRepository.get(d.repository) ?? []), d]);
  const changing = [...byRepository].filter(
    ([repo, ds]) => selectsRepository(policy, repo) && ds.some((d) => d.action !== 'keep'),
  );
  if (run.apply && changing.length > 0)
    await backend.checkCanDelete((changing[0] as [string, Decision[]])[0]);

  const decisions: Decision[] = [];
  const freedNow: Array<{ inventory: RepositoryInventory; freed: Set<string> }> = [];
  let skipped = 0;
  for (const [repository, planned] of byRepository) {
    if (!selectsRepository(policy, repository)) {
      const left = planned.map((d) =>
        d.action === 'keep'
          ? d
          : {
              ...d,
              action: 'keep' as const,
              reasons: [...d.reasons, 'skipped: the policy no longer selects this repository'],
            },
      );
      skipped += planned.filter((d) => d.action !== 'keep').length;
      decisions.push(...left);
      continue;
    }
    if (!changing.some(([r]) => r === repository)) {
      decisions.push(...planned);
      continue;
    }
    log.progress(`checking ${repository} again before changing it`);
    const fresh = await backend.inventory(repository, log);
    const inUse = backend.inUse(await imagesInUse(), policy, [fresh]);
    const freshPlan = planRepository(fresh, policy, inUse, run.now, { tagsOnly: backend.tagsOnly });
    const reconciled = reconcile(planned, freshPlan, inUse.digests.get(repository));
    let outcomes: Outcome[] = [];
    if (run.apply) {
      try {
        outcomes = await execute(await backend.executor(repository), reconciled, run.concurrency, log);
      } catch (err) {
        if (!(err instanceof ApplyInterrupted)) throw err;
        log.error(
          `${repository}: stopped after ${err.outcomes.length} operations; running again finishes the job`,
        );
        throw err.failure;
      }
    }
    const merged = mergeOutcomes(planned, reconciled, outcomes, run.apply);
    skipped += merged.skipped;
    decisions.push(...merged.decisions);
    const touched = new Set(merged.decisions.filter((d) => d.action !== 'keep').map((d) => d.digest));
    freedNow.push({ inventory: fresh, freed: new Set([...freshPlan.freed].filter((d) => touched.has(d))) });
  }
  const tagged = decisions.filter((d) => d.tag !== null);
  const result: Plan = {
    dryRun: !run.apply,
    policy: policy.name,
    decisions,
    summary: {
      // Repositories without tags have no decisions; the plan counted every repository it looked at.
      repositories: plan.summary.repositories,
      tagsKept: tagged.filter((d) => d.action === 'keep').length,
      tagsDeleted: tagged.filter((d) => d.action !== 'keep').length,
      manifestsDeleted: new Set(
        decisions.filter((d) => d.action === 'delete').map((d) => `${d.repository}@${d.digest}`),
      ).size,
      reclaimableBytes: reclaimableBytes(freedNow),
      skipped,
    },
  };
  return { plan: result, warnings };
}

async function selectedRepositories(run: RetentionRun): Promise<string[]> {
  const all = await run.backend.repositories(run.repositories);
  const selected = all.filter((r) => selectsRepository(run.policy, r));
  for (const r of run.repositories) {
    if (!selected.includes(r))
      run.log.warn(
        `repository ${r} is not selected by the policy's repositories include/exclude; leaving it alone`,
      );
  }
  return selected;
}

/**
 * The plan's decisions as they turned out: skipped ones become `keep` with the reason they were skipped,
 * a tag that only lost its tag (its manifest is now kept by another) becomes `untag`, what was already
 * gone says so. Placeholders finished on the way are added.
 */
function mergeOutcomes(
  planned: readonly Decision[],
  reconciled: Reconciled,
  outcomes: readonly Outcome[],
  applied: boolean,
): { decisions: Decision[]; skipped: number } {
  const key = (tag: string | null, digest: string) => `${tag ?? ''}@${digest}`;
  const skips = new Map(reconciled.skipped.map((s) => [key(s.tag, s.digest), s.reason]));
  const untags = new Map(reconciled.untags.map((op) => [op.tag, op]));
  const byOperation = new Map<string, Outcome>();
  for (const o of outcomes)
    byOperation.set(
      o.operation.kind === 'untag' ? `untag ${o.operation.tag}` : `delete ${o.operation.digest}`,
      o,
    );
  const deleting = new Set(reconciled.deleteWaves.flat().map((op) => op.digest));
  let skipped = 0;
  const decisions = planned.map((d): Decision => {
    if (d.action === 'keep') return d;
    const skip = (reason: string): Decision => {
      skipped++;
      return { ...d, action: 'keep', reasons: [...d.reasons, `skipped: ${reason}`] };
    };
    const reason = skips.get(key(d.tag, d.digest));
    if (reason) return skip(reason);
    const untag = d.tag !== null ? untags.get(d.tag) : undefined;
    const outcome = untag
      ? byOperation.get(`untag ${d.tag}`)
      : deleting.has(d.digest)
        ? byOperation.get(`delete ${d.digest}`)
        : undefined;
    if (outcome?.result === 'skipped') return skip(outcome.reason);
    const notes: string[] = [];
    if (untag && d.action === 'delete')
      notes.push('its manifest is now kept by something else, so only the tag goes');
    if (!untag && !deleting.has(d.digest)) notes.push('already gone');
    else if (applied && outcome?.result === 'gone') notes.push('already gone when applied');
    return { ...d, action: untag ? 'untag' : d.action, reasons: [...d.reasons, ...notes] };
  });
  const known = new Set(planned.map((d) => d.digest));
  for (const op of reconciled.deleteWaves.flat()) {
    if (known.has(op.digest)) continue;
    for (const tag of op.tags.length ? op.tags : [null]) {
      decisions.push({
        repository: planned[0]?.repository ?? '',
        tag,
        digest: op.digest,
        action: 'delete',
        reasons: ['placeholder left by an interrupted removal; finishing it'],
      });
    }
  }
  return { decisions, skipped };
}
