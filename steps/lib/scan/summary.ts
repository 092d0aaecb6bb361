import type { Evaluation, EvaluatedFinding } from './evaluate.js';
import { SEVERITIES_DESC, type Severity } from './severity.js';

export interface Counts {
  total: number;
  bySeverity: Record<Severity, number>;
  fixable: number;
  unfixable: number;
  blocking: number;
  waived: number;
  inGrace: number;
  belowThreshold: number;
}

export function countFindings(findings: readonly EvaluatedFinding[]): Counts {
  const bySeverity = Object.fromEntries(SEVERITIES_DESC.map((s) => [s, 0])) as Record<Severity, number>;
  const counts: Counts = {
    total: 0,
    bySeverity,
    fixable: 0,
    unfixable: 0,
    blocking: 0,
    waived: 0,
    inGrace: 0,
    belowThreshold: 0,
  };
  for (const f of findings) {
    counts.total++;
    bySeverity[f.severity]++;
    if (f.fixState === 'fixed') counts.fixable++;
    else counts.unfixable++;
    if (f.outcome.status === 'blocking') counts.blocking++;
    else if (f.outcome.status === 'waived') counts.waived++;
    else if (f.outcome.status === 'in-grace') counts.inGrace++;
    else counts.belowThreshold++;
  }
  return counts;
}

/** `CRITICAL 1, HIGH 2` for the severities that occur. */
export function severityBreakdown(findings: readonly EvaluatedFinding[]): string {
  const counts = countFindings(findings).bySeverity;
  return SEVERITIES_DESC.filter((s) => counts[s] > 0)
    .map((s) => `${s} ${counts[s]}`)
    .join(', ');
}

/** The Konflux TEST_OUTPUT result: one JSON line that dashboards and later tasks read. */
export interface TestOutput {
  result: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'ERROR' | 'SKIPPED';
  timestamp: string;
  note: string;
  namespace: string;
  successes: number;
  failures: number;
  warnings: number;
}

/**
 * FAILURE when anything blocks; WARNING when nothing blocks but something needs attention soon (findings in
 * grace, exceptions about to expire or no longer valid); SUCCESS otherwise. Findings that pass (waived or
 * below threshold) are the successes.
 */
export function testOutput(evaluation: Evaluation, counts: Counts): TestOutput {
  const warnings = counts.inGrace + evaluation.warnings.length;
  const result = counts.blocking > 0 ? 'FAILURE' : warnings > 0 ? 'WARNING' : 'SUCCESS';
  const blocking = evaluation.findings.filter((f) => f.outcome.status === 'blocking');
  const note =
    counts.blocking > 0
      ? `Scan gate failed: ${counts.blocking} blocking finding${counts.blocking === 1 ? '' : 's'} (${severityBreakdown(blocking)}). See the scan report for details.`
      : `Scan gate passed: ${counts.total} finding${counts.total === 1 ? '' : 's'}, ${counts.waived} waived, ${counts.inGrace} in grace.`;
  return {
    result,
    // Konflux writes `date -u --iso-8601=seconds`: seconds precision with an explicit +00:00 offset.
    timestamp: evaluation.evaluatedAt.replace(/\.\d+Z$/, '+00:00'),
    note,
    namespace: 'default',
    successes: counts.waived + counts.belowThreshold,
    failures: counts.blocking,
    warnings,
  };
}
