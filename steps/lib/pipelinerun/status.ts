import { UsageError } from '../errors.js';

/**
 * `$(tasks.status)` in a `finally` task: Succeeded (all tasks succeeded), Completed (all that ran
 * succeeded, some were skipped), Failed (at least one failed), None (no aggregate status, e.g. cancelled
 * before any task finished).
 */
export const RUN_STATUSES = ['Succeeded', 'Completed', 'Failed', 'None'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `$(tasks.<name>.status)`: None when the task was skipped or did not run. */
export const TASK_STATUSES = ['Succeeded', 'Failed', 'None'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export type Outcome = 'success' | 'failure' | 'unknown';

export interface TaskState {
  name: string;
  status: TaskStatus;
}

export function parseRunStatus(command: string, value: string): RunStatus {
  const found = RUN_STATUSES.find((s) => s.toLowerCase() === value.trim().toLowerCase());
  if (!found) {
    throw new UsageError(
      `${command}: --status must be one of ${RUN_STATUSES.join(', ')} (the value of $(tasks.status)), got "${value}"`,
    );
  }
  return found;
}

export function outcomeOf(status: RunStatus): Outcome {
  if (status === 'Succeeded' || status === 'Completed') return 'success';
  return status === 'Failed' ? 'failure' : 'unknown';
}

const TASK_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Parses `--task-status NAME=STATUS` (e.g. `build=$(tasks.build.status)`); one value may hold several pairs
 * separated by spaces or commas, so a Task can pass them all through one string param.
 */
export function parseTaskStates(command: string, values: readonly string[]): TaskState[] {
  const seen = new Set<string>();
  return values
    .flatMap((value) => value.split(/[\s,]+/).filter(Boolean))
    .map((entry) => {
      const eq = entry.indexOf('=');
      const name = eq > 0 ? entry.slice(0, eq).trim() : '';
      const rawStatus = eq > 0 ? entry.slice(eq + 1).trim() : '';
      if (!TASK_NAME.test(name)) {
        throw new UsageError(
          `${command}: --task-status must look like NAME=STATUS with a Pipeline task name, got "${entry}"`,
        );
      }
      const status = TASK_STATUSES.find((s) => s.toLowerCase() === rawStatus.toLowerCase());
      if (!status) {
        throw new UsageError(
          `${command}: --task-status ${name} must be one of ${TASK_STATUSES.join(', ')}, got "${rawStatus}"`,
        );
      }
      if (seen.has(name)) throw new UsageError(`${command}: --task-status names task "${name}" twice`);
      seen.add(name);
      return { name, status };
    });
}

export function failedTasks(states: readonly TaskState[]): string[] {
  return states.filter((s) => s.status === 'Failed').map((s) => s.name);
}
