import type { RunReport } from './report.js';

/**
 * One key per PipelineRun and target: the same on every retry of the request and on a retried TaskRun,
 * so a target that deduplicates (Idempotency-Key, CloudEvents id) posts once. The uid tells apart two
 * runs that reused a name; without it namespace/name is the best identity there is.
 */
export function idempotencyKey(report: RunReport, target: string): string {
  const run = report.uid ?? [report.namespace ?? '', report.pipelineRun].filter(Boolean).join('.');
  return `${run}.${target}`;
}
