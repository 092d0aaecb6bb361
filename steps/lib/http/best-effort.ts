import { StepError, errorMessage } from '../errors.js';
import type { Logger } from '../tekton/log.js';

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Notifications and metrics run in a Pipeline's `finally`: a failed delivery must not turn a good
 * PipelineRun red unless the user asked for that. Without failOnError the failure becomes one warning
 * line and the step goes on; with it the error propagates and maps to its exit code.
 */
export async function bestEffort<T>(
  what: string,
  failOnError: boolean,
  log: Logger,
  fn: () => Promise<T>,
): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (failOnError) throw err;
    const reason = err instanceof StepError ? err.message : `internal error: ${errorMessage(err)}`;
    log.warn(
      `${what} failed; the pipeline goes on because --fail-on-error is false: ${reason.replace(/\s*\n\s*/g, ' ')}`,
    );
    return { ok: false, error: err };
  }
}
