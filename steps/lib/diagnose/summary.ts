import { describePullFailure, describeRuntimeFailure, type Diagnosis } from './diagnose.js';

const MAX_PULLS_IN_RESULT = 50;

/** One line for the DIAGNOSIS result: counts and the first failure, which is usually all that differs. */
export function summarizeDiagnosis(d: Diagnosis): string {
  const pods = `${d.pods} pod${d.pods === 1 ? '' : 's'}`;
  if (d.pullFailures.length === 0 && d.runtimeFailures.length === 0) return `no pull failures in ${pods}`;
  const parts = [
    `${d.pullFailures.length} pull failure(s) and ${d.runtimeFailures.length} runtime failure(s) in ${pods}`,
  ];
  const first = d.pullFailures[0];
  if (first) parts.push(`${first.category}: ${describePullFailure(first)}`);
  else if (d.runtimeFailures[0]) parts.push(describeRuntimeFailure(d.runtimeFailures[0]));
  return parts.join('; ');
}

/** What the metrics step reads (--pull-durations-file): `{"pulls":[{"image", "seconds", ...}]}`. */
export function pullDurationsDocument(d: Diagnosis): {
  pulls: Array<{ image: string; pod: string; seconds: number; totalSeconds?: number; sizeBytes?: number }>;
} {
  return {
    pulls: d.pulls.map((p) => ({
      image: p.image,
      pod: p.pod,
      seconds: p.seconds,
      ...(p.totalSeconds !== undefined ? { totalSeconds: p.totalSeconds } : {}),
      ...(p.sizeBytes !== undefined ? { sizeBytes: p.sizeBytes } : {}),
    })),
  };
}

/** The durations alone, bounded, for the PULL_DURATIONS result (results share 4 KB). */
export function pullDurationsResult(d: Diagnosis): string {
  return JSON.stringify({
    pulls: d.pulls.slice(0, MAX_PULLS_IN_RESULT).map((p) => ({ seconds: p.seconds })),
  });
}

export function renderDiagnosis(d: Diagnosis & { namespace: string; selector: string }): string {
  const lines = [`${d.pods} pod(s) in namespace ${d.namespace} matching ${d.selector}`];
  for (const f of d.pullFailures) lines.push(`PULL FAILURE ${f.category}: ${describePullFailure(f)}`);
  for (const f of d.runtimeFailures) lines.push(`RUNTIME FAILURE ${describeRuntimeFailure(f)}`);
  if (d.pullFailures.length === 0) lines.push('no pull failures');
  for (const p of d.pulls)
    lines.push(
      `pulled ${p.image} in ${p.seconds}s${p.totalSeconds !== undefined ? ` (${p.totalSeconds}s including waiting)` : ''} for pod ${p.pod}`,
    );
  return lines.join('\n');
}
