import {
  analysisDecision,
  evaluateMeasurement,
  metricVerdict,
  summarizeVerdict,
  type Measurement,
  type MetricVerdict,
} from './analysis.js';
import type { Metric } from './config.js';
import type { CanaryContext } from './context.js';

export interface AnalysisDeps {
  /** Runs one query (already rendered); rejects with the reason it failed. */
  query(query: string): Promise<number[]>;
  render(query: string): string;
  /** Looks at the canary's pods between measurements; throws CanaryAbort when they fail. */
  guard(): Promise<void>;
}

export interface AnalysisResult {
  decision: 'continue' | 'abort';
  reason?: string;
  /** `error-rate: Successful 3/3 last=0.01; latency: ...` */
  summary: string;
}

/**
 * Measures every metric of an analyze step at its interval, side by side, until each has its count or
 * passes a limit; the canary's pods are looked at between measurements so a crash stops the wait at once.
 * When one metric ends badly the others stop at their next turn.
 */
export async function runAnalysis(
  ctx: CanaryContext,
  metrics: readonly Metric[],
  deps: AnalysisDeps,
): Promise<AnalysisResult> {
  let stopped = false;
  const measure = async (
    metric: Metric,
  ): Promise<{ metric: Metric; verdict: MetricVerdict; last?: Measurement }> => {
    const measurements: Measurement[] = [];
    const query = deps.render(metric.query);
    for (;;) {
      const outcome = await deps
        .query(query)
        .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      const measurement = evaluateMeasurement(metric, outcome);
      measurements.push(measurement);
      ctx.log.info(
        `analysis ${metric.name}: ${measurement.phase}${measurement.value !== undefined ? ` (${measurement.value})` : ''}${measurement.message ? `: ${measurement.message}` : ''}`,
      );
      const verdict = metricVerdict(metric, measurements);
      if (verdict.status !== 'Running') {
        if (
          verdict.status !== 'Successful' &&
          !(verdict.status === 'Inconclusive' && metric.onInconclusive === 'continue')
        )
          stopped = true;
        return { metric, verdict, last: measurement };
      }
      if (stopped) return { metric, verdict, last: measurement };
      await ctx.sleep(metric.intervalMs);
      await deps.guard();
    }
  };
  try {
    const results = await Promise.all(metrics.map(measure));
    const outcome = analysisDecision(results);
    return {
      ...outcome,
      summary: results.map((r) => summarizeVerdict(r.metric, r.verdict, r.last)).join('; '),
    };
  } finally {
    stopped = true;
  }
}
