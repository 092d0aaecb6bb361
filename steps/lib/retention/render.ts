import { formatBytes } from '../units.js';
import type { Plan } from './model.js';
import { shortDigest } from './tags.js';

/** The plan as a table people read in the dashboard, then the summary and what to do next. */
export function renderPlan(plan: Plan, notes: { reclaimHint: string; warnings: readonly string[] }): string {
  const rows = plan.decisions.map((d) => [
    d.repository,
    d.tag ?? '(untagged)',
    shortDigest(d.digest),
    d.action,
    (d.reasons[0] ?? '') + (d.reasons.length > 1 ? ` (+${d.reasons.length - 1} more)` : ''),
  ]);
  const header = ['REPOSITORY', 'TAG', 'DIGEST', 'ACTION', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const s = plan.summary;
  const untagged = plan.decisions.filter((d) => d.action === 'untag').length;
  const lines = [
    ...(rows.length ? [line(header), ...rows.map(line), ''] : ['No tags in the selected repositories.', '']),
    `${plan.dryRun ? 'Plan' : 'Done'} (policy ${plan.policy}): ${s.repositories} repositories, ${s.tagsKept} tags kept, ` +
      `${s.tagsDeleted} tags ${plan.dryRun ? 'to delete' : 'deleted'}${untagged ? ` (${untagged} only untagged: their manifest stays)` : ''}, ` +
      `${s.manifestsDeleted} manifests ${plan.dryRun ? 'to delete' : 'deleted'}, ${formatBytes(s.reclaimableBytes)} reclaimable, ${s.skipped} skipped`,
    ...notes.warnings.map((w) => `WARNING: ${w}`),
  ];
  if (plan.dryRun)
    lines.push('Dry run: nothing was changed. Run with --apply (the Task: DRY_RUN "false") to apply this.');
  if (s.tagsDeleted > 0 || s.manifestsDeleted > 0) lines.push(`Note: ${notes.reclaimHint}.`);
  return lines.join('\n');
}

/** The one-line summary for the Tekton result: small, whatever the size of the registry. */
export function summaryResult(plan: Plan): string {
  return JSON.stringify({ dryRun: plan.dryRun, policy: plan.policy, ...plan.summary });
}
