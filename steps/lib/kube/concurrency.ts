import type { Logger } from '../tekton/log.js';
import { KubeConflictError } from './errors.js';

export interface ConflictRetryOptions {
  /** Read-modify-write rounds before giving up (default 5). */
  attempts?: number;
  log?: Logger;
}

/**
 * Optimistic concurrency: read the object, let `mutate` change it (keeping the resourceVersion it was read
 * at), write it; when someone else wrote in between, the server answers 409 Conflict and we start over from
 * a fresh read. `mutate` returns undefined when the object needs no change, and nothing is written.
 */
export async function updateWithConflictRetry<T>(
  read: () => Promise<T>,
  mutate: (current: T) => T | undefined | Promise<T | undefined>,
  write: (next: T) => Promise<T>,
  options: ConflictRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    const next = await mutate(current);
    if (next === undefined) return current;
    try {
      return await write(next);
    } catch (err) {
      if (!(err instanceof KubeConflictError)) throw err;
      if (attempt >= attempts) {
        throw new KubeConflictError(
          `${err.message} (still conflicting after ${attempts} attempts)`,
          err.exitCode,
          err.action,
          err.status,
          err.reason,
          { cause: err },
        );
      }
      options.log?.debug(`${err.message}; re-reading (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}
