import { ExprError } from './expr.js';
import type { Metric } from './config.js';

/** Argo Rollouts' measurement phases. */
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Measurement {
  phase: MeasurementPhase;
  /** The values the query returned, as text for the summary. */
  value?: string;
  message?: string;
}

export type MetricStatus = 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

export interface MetricVerdict {
  status: MetricStatus;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  /** Why the metric ended as it did, for the abort message. */
  reason?: string;
}

const show = (values: number[]) => (values.length === 1 ? String(values[0]) : `[${values.join(', ')}]`);

/**
 * One measurement of a metric from the query's values, or from the error the query ended with. No data
 * (no series, or only NaN, as 0/0 gives) is inconclusive rather than a pass: a canary that serves no
 * traffic proves nothing.
 */
export function evaluateMeasurement(metric: Metric, outcome: number[] | Error): Measurement {
  if (outcome instanceof Error) return { phase: 'Error', message: outcome.message };
  if (outcome.length === 0 || outcome.every(Number.isNaN))
    return { phase: 'Inconclusive', value: show(outcome), message: 'the query returned no data' };
  const value = show(outcome);
  try {
    const failed = metric.failureCondition?.evaluate(outcome);
    const passed = metric.successCondition?.evaluate(outcome);
    if (failed)
      return {
        phase: 'Failed',
        value,
        message: `failureCondition "${metric.failureCondition?.text}" is true`,
      };
    if (passed) return { phase: 'Successful', value };
    if (metric.successCondition && metric.failureCondition) {
      return {
        phase: 'Inconclusive',
        value,
        message: 'neither successCondition nor failureCondition is true',
      };
    }
    if (metric.successCondition)
      return {
        phase: 'Failed',
        value,
        message: `successCondition "${metric.successCondition.text}" is false`,
      };
    return { phase: 'Successful', value };
  } catch (err) {
    if (err instanceof ExprError) return { phase: 'Error', value, message: `condition: ${err.message}` };
    throw err;
  }
}

/**
 * Where a metric stands after these measurements: ended as soon as a limit is passed (failureLimit,
 * inconclusiveLimit, consecutiveErrorLimit), otherwise running until `count` measurements that were not
 * errors have been taken.
 */
export function metricVerdict(metric: Metric, measurements: readonly Measurement[]): MetricVerdict {
  const count = (phase: MeasurementPhase) => measurements.filter((m) => m.phase === phase).length;
  let consecutiveErrors = 0;
  for (let i = measurements.length - 1; i >= 0 && measurements[i]?.phase === 'Error'; i--)
    consecutiveErrors++;
  const verdict: MetricVerdict = {
    status: 'Running',
    successful: count('Successful'),
    failed: count('Failed'),
    inconclusive: count('Inconclusive'),
    errors: count('Error'),
    consecutiveErrors,
  };
  const last = (phase: MeasurementPhase) => [...measurements].reverse().find((m) => m.phase === phase);
  const detail = (m: Measurement | undefined) =>
    [m?.value !== undefined ? `value ${m.value}` : '', m?.message ?? ''].filter(Boolean).join(': ');
  if (verdict.failed > metric.failureLimit) {
    return {
      ...verdict,
      status: 'Failed',
      reason: `${verdict.failed} failed measurement(s), more than failureLimit ${metric.failureLimit} (last: ${detail(last('Failed'))})`,
    };
  }
  if (verdict.inconclusive > metric.inconclusiveLimit) {
    return {
      ...verdict,
      status: 'Inconclusive',
      reason: `${verdict.inconclusive} inconclusive measurement(s), more than inconclusiveLimit ${metric.inconclusiveLimit} (last: ${detail(last('Inconclusive'))})`,
    };
  }
  if (consecutiveErrors > metric.consecutiveErrorLimit) {
    return {
      ...verdict,
      status: 'Error',
      reason: `${consecutiveErrors} consecutive errors, more than consecutiveErrorLimit ${metric.consecutiveErrorLimit} (last: ${detail(last('Error'))})`,
    };
  }
  if (measurements.length - verdict.errors < metric.count) return verdict;
  return { ...verdict, status: 'Successful' };
}

export interface AnalysisOutcome {
  /** continue: every metric passed (or was inconclusive with onInconclusive: continue). */
  decision: 'continue' | 'abort';
  reason?: string;
}

/**
 * The canary's decision from its metrics' verdicts: a failed or errored metric decides first, then an
 * inconclusive one (aborting unless it says continue); one still running when the others stopped means
 * the analysis was cut short.
 */
export function analysisDecision(
  results: ReadonlyArray<{ metric: Metric; verdict: MetricVerdict }>,
): AnalysisOutcome {
  const bad = results.find(({ verdict }) => verdict.status === 'Failed' || verdict.status === 'Error');
  if (bad)
    return {
      decision: 'abort',
      reason: `metric ${bad.metric.name} ${bad.verdict.status === 'Failed' ? 'failed' : 'errored'}: ${bad.verdict.reason}`,
    };
  const unsure = results.find(
    ({ metric, verdict }) => verdict.status === 'Inconclusive' && metric.onInconclusive === 'abort',
  );
  if (unsure)
    return {
      decision: 'abort',
      reason: `metric ${unsure.metric.name} inconclusive: ${unsure.verdict.reason} (set onInconclusive: continue to accept that)`,
    };
  const running = results.find(({ verdict }) => verdict.status === 'Running');
  if (running) return { decision: 'abort', reason: `metric ${running.metric.name} did not finish` };
  return { decision: 'continue' };
}

/** `error-rate: Successful 3/3 (last 0.01)`, one per metric, for ANALYSIS_SUMMARY. */
export function summarizeVerdict(
  metric: Metric,
  verdict: MetricVerdict,
  last: Measurement | undefined,
): string {
  const taken = verdict.successful + verdict.failed + verdict.inconclusive;
  const extra = [
    verdict.failed ? `${verdict.failed} failed` : '',
    verdict.inconclusive ? `${verdict.inconclusive} inconclusive` : '',
    verdict.errors ? `${verdict.errors} errors` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${metric.name}: ${verdict.status} ${verdict.successful}/${taken}${extra ? ` (${extra})` : ''}${last?.value !== undefined ? ` last=${last.value}` : ''}`;
}
