import { sleep } from '../concurrency.js';
import { StepError } from '../errors.js';
import type { Logger } from '../tekton/log.js';
import { classifyFailure, type BuildFailure } from './classify.js';
import type { RunResult } from './run.js';

export interface BuildRetryPolicy {
  /** Further attempts after the first, for transient failures only. */
  retries: number;
  /** Wait before the first retry; doubled each time, up to maxDelayMs. */
  delayMs: number;
  maxDelayMs: number;
}

export class BuildFailedError extends StepError {
  constructor(
    readonly what: string,
    readonly failure: BuildFailure,
    readonly attempts: number,
  ) {
    const after = failure.transient
      ? ` (still failing after ${attempts} attempt${attempts > 1 ? 's' : ''})`
      : '';
    super(`${what} failed (${failure.kind}): "${failure.message}"${after}`, failure.exitCode);
  }
}

export interface Attempted {
  result: RunResult;
  attempts: number;
}

/** Runs a buildah command until it succeeds, fails permanently, or the transient retries run out. */
export async function withBuildRetries(
  what: string,
  run: () => Promise<RunResult>,
  policy: BuildRetryPolicy,
  log: Logger,
  wait = sleep,
): Promise<Attempted> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    if (result.code === 0) return { result, attempts: attempt };
    const failure = classifyFailure(result.output);
    if (!failure.transient || attempt > policy.retries) throw new BuildFailedError(what, failure, attempt);
    const delay = Math.min(policy.delayMs * 2 ** (attempt - 1), policy.maxDelayMs);
    log.warn(
      `${what} failed (transient): "${failure.message}"; retry ${attempt} of ${policy.retries} in ${delay} ms`,
    );
    await wait(delay);
  }
}
