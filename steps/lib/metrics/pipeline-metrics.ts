import type { CanaryResult } from '../pipelinerun/canary.js';
import type { ScanSummary } from '../pipelinerun/scan-summary.js';
import type { Outcome, TaskState } from '../pipelinerun/status.js';
import { SEVERITIES_DESC } from '../scan/severity.js';
import { METRICS, type MetricKey } from './catalog.js';
import type { MetricFamily, Sample } from './exposition.js';
import { quantile } from './stats.js';

/** Values the previous push left in the group, read back before this push replaces them. */
export interface PreviousValues {
  lastSuccess?: number;
  taskLastSuccess: ReadonlyMap<string, number>;
}

export interface PipelineMetricsInput {
  outcome: Outcome;
  finishedAt: Date;
  startedAt?: Date;
  tasks: readonly TaskState[];
  scan?: ScanSummary;
  canary?: CanaryResult;
  imageSizeBytes?: number;
  /** Seconds per observed pull. */
  pullDurations?: readonly number[];
  /** Seconds per call, by operation. */
  registryLatencies?: ReadonlyMap<string, readonly number[]>;
  previous: PreviousValues;
}

const seconds = (date: Date) => date.getTime() / 1000;

/**
 * The group a run pushes. The push replaces the whole group, so anything that must survive a failed run
 * (the last success times) is carried over from `previous`. "Never succeeded" is 0 only once something
 * failed; a task that was only ever skipped has no series at all, so it raises no staleness alert.
 */
export function pipelineMetrics(input: PipelineMetricsInput): MetricFamily[] {
  const finished = seconds(input.finishedAt);
  const families = new Map<MetricKey, Sample[]>();
  const add = (key: MetricKey, value: number, labels: Record<string, string> = {}) => {
    const samples = families.get(key) ?? [];
    samples.push({ labels, value });
    families.set(key, samples);
  };

  if (input.outcome !== 'unknown') add('pipelineLastRunSuccess', input.outcome === 'success' ? 1 : 0);
  add('pipelineLastRunTimestamp', finished);
  if (input.startedAt) add('pipelineLastRunDuration', Math.max(0, finished - seconds(input.startedAt)));
  const lastSuccess = lastSuccessOf(input.outcome, finished, input.previous.lastSuccess);
  if (lastSuccess !== undefined) add('pipelineLastSuccessTimestamp', lastSuccess);

  const taskOutcome = (t: TaskState): Outcome =>
    t.status === 'Succeeded' ? 'success' : t.status === 'Failed' ? 'failure' : 'unknown';
  const named = new Set(input.tasks.map((t) => t.name));
  for (const task of input.tasks) {
    const value = lastSuccessOf(taskOutcome(task), finished, input.previous.taskLastSuccess.get(task.name));
    if (value !== undefined) add('taskLastSuccessTimestamp', value, { task: task.name });
  }
  // A task this run did not mention keeps its history: the push must not erase it.
  for (const [task, value] of input.previous.taskLastSuccess) {
    if (!named.has(task)) add('taskLastSuccessTimestamp', value, { task });
  }

  if (input.scan) {
    for (const severity of SEVERITIES_DESC) {
      const count = input.scan.counts[severity];
      if (count !== undefined) add('scanVulnerabilities', count, { severity: severity.toLowerCase() });
    }
  }
  if (input.canary && input.canary.outcome !== 'other')
    add('canaryLastSuccess', input.canary.outcome === 'success' ? 1 : 0);
  if (input.imageSizeBytes !== undefined) add('imageSize', input.imageSizeBytes);

  const pulls = input.pullDurations ?? [];
  if (pulls.length > 0) {
    add('imagePulls', pulls.length);
    add('imagePullP50', quantile(pulls, 0.5));
    add('imagePullP95', quantile(pulls, 0.95));
    add('imagePullMax', Math.max(...pulls));
  }
  for (const [operation, values] of input.registryLatencies ?? []) {
    if (values.length === 0) continue;
    add('registryOperationP50', quantile(values, 0.5), { operation });
    add('registryOperationP95', quantile(values, 0.95), { operation });
  }

  return (Object.keys(METRICS) as MetricKey[])
    .filter((key) => families.has(key))
    .map((key) => ({ ...METRICS[key], type: 'gauge' as const, samples: families.get(key) ?? [] }));
}

function lastSuccessOf(outcome: Outcome, now: number, previous: number | undefined): number | undefined {
  if (outcome === 'success') return now;
  if (previous !== undefined) return previous;
  return outcome === 'failure' ? 0 : undefined;
}

/** The last-success values a group holds, as pipelineMetrics carries them over. */
export function previousValues(
  stored: ReadonlyMap<string, ReadonlyArray<{ labels: Record<string, string>; value: number }>>,
): PreviousValues {
  const lastSuccess = stored.get(METRICS.pipelineLastSuccessTimestamp.name)?.[0]?.value;
  const taskLastSuccess = new Map<string, number>();
  for (const sample of stored.get(METRICS.taskLastSuccessTimestamp.name) ?? []) {
    if (sample.labels.task) taskLastSuccess.set(sample.labels.task, sample.value);
  }
  return { ...(lastSuccess !== undefined ? { lastSuccess } : {}), taskLastSuccess };
}
