import type { ParamValue, WhenExpression } from './model.js';

export type TaskStatus = 'Succeeded' | 'Failed' | 'Skipped';

/** Tekton's skipping reasons, word for word, so a local run reads like the cluster's PipelineRun status. */
export const SkipReason = {
  when: 'When Expressions evaluated to false',
  parent: 'Parent Tasks were skipped',
  stopping: 'PipelineRun was stopping',
  missingResults: 'Results were missing',
  pipelineTimeout: 'PipelineRun timeout has been reached',
  tasksTimeout: 'PipelineRun Tasks timeout has been reached',
  finallyTimeout: 'PipelineRun Finally timeout has been reached',
  cancelled: 'PipelineRun was cancelled',
} as const;

export interface TaskOutcome {
  name: string;
  section: 'tasks' | 'finally';
  taskRun?: string;
  status: TaskStatus;
  /** Succeeded, Failed, TaskRunTimeout, FailureIgnored, InvalidTaskResultReference... or a SkipReason. */
  reason: string;
  message?: string;
  results: Record<string, ParamValue>;
  durationMs: number;
  attempts: number;
  /** The machine could not run it (a tool, an image or a Secret missing): the run exits 2. */
  environment?: boolean;
}

/** A failure that `onError: continue` on the pipeline task tells the PipelineRun to ignore. */
export function failureIgnored(outcome: TaskOutcome): boolean {
  return outcome.status === 'Failed' && outcome.reason === 'FailureIgnored';
}

/** `$(tasks.<name>.status)`: Succeeded, Failed, or None when the task was skipped or did not run. */
export function executionStatus(outcome: TaskOutcome | undefined): 'Succeeded' | 'Failed' | 'None' {
  if (!outcome || outcome.status === 'Skipped') return 'None';
  return outcome.status;
}

/**
 * `$(tasks.status)`: Failed when a task failed, Succeeded when all succeeded, Completed when all that are done
 * succeeded and some were skipped, None otherwise (some never finished). A failure the pipeline ignores counts as
 * a success, as it does for the PipelineRun's own status (TEP-0050).
 */
export function aggregateStatus(
  outcomes: readonly (TaskOutcome | undefined)[],
): 'Succeeded' | 'Failed' | 'Completed' | 'None' {
  if (outcomes.some((o) => o?.status === 'Failed' && !failureIgnored(o))) return 'Failed';
  if (outcomes.some((o) => o === undefined)) return 'None';
  return outcomes.some((o) => o?.status === 'Skipped') ? 'Completed' : 'Succeeded';
}

export interface RunConclusion {
  status: 'Succeeded' | 'Completed' | 'Failed';
  reason: 'Succeeded' | 'Completed' | 'Failed' | 'PipelineRunTimeout' | 'Cancelled';
}

/** The PipelineRun's condition from every task's outcome (the table in Tekton's pipelines.md, "PipelineRun Status with finally"). */
export function conclude(
  outcomes: readonly TaskOutcome[],
  ended: 'timeout' | 'cancelled' | undefined,
): RunConclusion {
  if (ended === 'timeout') return { status: 'Failed', reason: 'PipelineRunTimeout' };
  if (ended === 'cancelled') return { status: 'Failed', reason: 'Cancelled' };
  if (outcomes.some((o) => o.status === 'Failed' && !failureIgnored(o)))
    return { status: 'Failed', reason: 'Failed' };
  if (outcomes.some((o) => o.status === 'Skipped')) return { status: 'Completed', reason: 'Completed' };
  return { status: 'Succeeded', reason: 'Succeeded' };
}

/** All when expressions must hold: `in` when the input is one of the values, `notin` when it is none of them. */
export function whenAllows(expressions: readonly WhenExpression[]): boolean {
  return expressions.every((w) => w.values.includes(w.input) === (w.operator === 'in'));
}
