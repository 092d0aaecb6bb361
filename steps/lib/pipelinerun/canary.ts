export interface CanaryResult {
  /** success: promoted; failure: aborted or rolled back; other: anything else (skipped, not run). */
  outcome: 'success' | 'failure' | 'other';
  text: string;
}

const MAX_TEXT = 300;

/** Classifies the canary task's CANARY_RESULT by its first word; empty means no canary ran. */
export function parseCanaryResult(value: string | undefined): CanaryResult | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const first = (/^[A-Za-z-]+/.exec(text)?.[0] ?? '').toLowerCase();
  const outcome = ['succeeded', 'success', 'promoted', 'passed'].includes(first)
    ? 'success'
    : ['failed', 'failure', 'aborted', 'rolled', 'rolledback', 'rolled-back', 'rollback'].includes(first)
      ? 'failure'
      : 'other';
  return { outcome, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + '…' : text };
}
