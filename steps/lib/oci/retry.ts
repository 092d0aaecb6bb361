import pRetry from 'p-retry';
import type { Logger } from '../tekton/log.js';
import { sleep } from '../concurrency.js';
import { networkErrorCode, RegistryError, tlsErrorCode } from './errors.js';

export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it, so one answer cannot stall a run for an hour. */
  maxRetryAfterMs: number;
  /** No new attempt starts after this much time has passed since the first. */
  maxElapsedMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 5,
  minDelayMs: 100,
  maxDelayMs: 4000,
  maxRetryAfterMs: 60_000,
  maxElapsedMs: 120_000,
};

/** An error carrying a Retry-After delay the next attempt must honour. */
export class RetryAfterError extends RegistryError {
  retryAfterMs?: number;
}

/**
 * Retry-After as seconds or an HTTP-date (RFC 9110 10.2.3); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isTransient(err: unknown): boolean {
  if (err instanceof RegistryError) return err.transient;
  return networkErrorCode(err) !== undefined;
}

/**
 * Runs `attempt` until it succeeds, fails permanently, or the policy runs out. The last transient failure
 * surfaces as a RegistryError marked transient, so steps end with exit code 3.
 */
export async function withRetries<T>(
  operation: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
  log?: Logger,
): Promise<T> {
  try {
    return await pRetry(() => attempt().catch((err: unknown) => Promise.reject(asError(err))), {
      retries: policy.retries,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      factor: 2,
      randomize: true,
      maxRetryTime: policy.maxElapsedMs,
      shouldRetry: (err) => isTransient(err),
      onFailedAttempt: async (err) => {
        if (!isTransient(err) || err.retriesLeft === 0) return;
        const retryAfter = err instanceof RetryAfterError ? err.retryAfterMs : undefined;
        log?.warn(`${operation}: ${describe(err)}; retrying (${err.retriesLeft} left)`);
        if (retryAfter) await sleep(Math.min(retryAfter, policy.maxRetryAfterMs));
      },
    });
  } catch (err) {
    if (err instanceof RegistryError) {
      if (err.transient)
        throw new RegistryError(`${err.message} (gave up after retries)`, err.status, err.code, true, {
          cause: err,
        });
      throw err;
    }
    const code = networkErrorCode(err);
    if (code)
      throw new RegistryError(
        `${operation}: ${describe(err)} (gave up after retries)`,
        undefined,
        code,
        true,
        { cause: err },
      );
    const tls = tlsErrorCode(err);
    if (tls) {
      throw new RegistryError(
        `${operation}: TLS failed (${tls}); trust the registry's CA with --ca-file, or list the host with --insecure-registry`,
        undefined,
        tls,
        false,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * p-retry gives up on anything that is not an Error of this realm; errors from another realm (undici's
 * under jest's module sandbox) are wrapped, keeping their code reachable through `cause`.
 */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const message =
    typeof err === 'object' && err !== null && 'message' in err
      ? String((err as { message: unknown }).message)
      : String(err);
  return new Error(message, { cause: err });
}

function describe(err: unknown): string {
  if (err instanceof RegistryError) return err.message;
  const code = networkErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
