import { quantile } from '../metrics/stats.js';

/** One timed call to the registry. */
export interface Operation {
  operation: string;
  seconds: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen, or what went wrong, in a few words. */
  detail: string;
}

export interface Verdict {
  healthy: boolean;
  failures: string[];
  pingP50Ms?: number;
  pingP95Ms?: number;
}

/** Healthy when every check passed and the p95 of /v2/ round trips is within the limit. */
export function evaluate(
  checks: readonly CheckResult[],
  operations: readonly Operation[],
  maxP95Ms: number,
): Verdict {
  const failures = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  const pings = operations.filter((o) => o.operation === 'ping').map((o) => o.seconds * 1000);
  if (pings.length === 0)
    return { healthy: false, failures: failures.length ? failures : ['ping: no answer'] };
  const pingP50Ms = Math.round(quantile(pings, 0.5));
  const pingP95Ms = Math.round(quantile(pings, 0.95));
  if (pingP95Ms > maxP95Ms) failures.push(`latency: /v2/ p95 ${pingP95Ms} ms is over ${maxP95Ms} ms`);
  return { healthy: failures.length === 0, failures, pingP50Ms, pingP95Ms };
}

/** Storage growth since the previous measurement, as a ratio; undefined without a usable previous value. */
export function growth(current: number, previous: number | undefined): number | undefined {
  return previous !== undefined && previous > 0 ? current / previous - 1 : undefined;
}

export function formatGrowth(ratio: number | undefined): string {
  if (ratio === undefined) return 'unknown';
  const percent = (ratio * 100).toFixed(1);
  return `${ratio >= 0 ? '+' : ''}${percent}%`;
}
