import pRetry, { AbortError } from 'p-retry';
import { loadUndici } from './undici.js';
import { ExitCode, StepError, errorMessage } from '../errors.js';
import { sleep } from '../concurrency.js';
import { isTransientStatus, networkErrorCode } from '../oci/errors.js';
import { parseRetryAfter } from '../oci/retry.js';
import type { Logger } from '../tekton/log.js';

export interface OutgoingRequest {
  method: 'POST' | 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface DeliveryPolicy {
  /** Further attempts after the first. */
  retries: number;
  /** Per attempt: connect, headers and body together. */
  timeoutMs: number;
  /** A target asking to wait longer than this is not waited for: the delivery gives up instead. */
  maxRetryAfterMs: number;
  /** Backoff before the second attempt; doubles each time, capped at maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = {
  retries: 4,
  timeoutMs: 10_000,
  maxRetryAfterMs: 60_000,
  minBackoffMs: 500,
  maxBackoffMs: 8_000,
};

export interface DeliveryResult {
  status: number;
  attempts: number;
  body: string;
}

/**
 * A delivery that did not happen. Permanent (the target refused: wrong or revoked URL, rejected payload)
 * is a configuration problem, exit 2; transient failures that outlasted the retries are exit 3.
 */
export class DeliveryError extends StepError {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, permanent ? ExitCode.usage : ExitCode.infra, options);
  }
}

class TransientAnswer extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Wraps what undici throws: p-retry only handles errors that are `instanceof Error` in its own realm,
 * which errors from Node internals are not under test runners that sandbox modules.
 */
class NetworkFailure extends Error {
  readonly transient: boolean;
  constructor(readonly original: unknown) {
    super(errorMessage(original), { cause: original });
    this.transient = networkErrorCode(original) !== undefined || isTimeout(original);
  }
}

const BODY_EXCERPT_CHARS = 200;

/**
 * Sends one request, retrying 429/5xx answers and network failures with exponential backoff; a Retry-After
 * answer is waited for in full (never retried sooner), up to policy.maxRetryAfterMs. `label` names the
 * target in every message (never the URL, which is a secret).
 */
export async function deliver(
  req: OutgoingRequest,
  label: string,
  policy: DeliveryPolicy,
  log: Logger,
): Promise<DeliveryResult> {
  const { Agent, request } = await loadUndici();
  const agent = new Agent({ connect: { timeout: policy.timeoutMs }, keepAliveTimeout: 1000 });
  let attempts = 0;
  try {
    return await pRetry(
      async () => {
        attempts++;
        let res: Awaited<ReturnType<typeof request>>;
        let body: string;
        try {
          res = await request(req.url, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            dispatcher: agent,
            signal: AbortSignal.timeout(policy.timeoutMs),
          });
          body = await res.body.text();
        } catch (err) {
          throw new NetworkFailure(err);
        }
        if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, attempts, body };
        const answer = `${label} answered HTTP ${res.statusCode}${excerpt(body)}`;
        if (!isTransientStatus(res.statusCode)) {
          throw new AbortError(
            new DeliveryError(
              `${answer} (permanent; check the URL and the payload the target expects)`,
              true,
              res.statusCode,
            ),
          );
        }
        const retryAfter = header(res.headers['retry-after']);
        throw new TransientAnswer(answer, res.statusCode, parseRetryAfter(retryAfter));
      },
      {
        retries: policy.retries,
        factor: 2,
        minTimeout: policy.minBackoffMs,
        maxTimeout: policy.maxBackoffMs,
        randomize: false,
        shouldRetry: retryable,
        onFailedAttempt: async (err) => {
          // p-retry calls this for errors shouldRetry refused too: only the retried ones get here past this line.
          if (!retryable(err) || err.retriesLeft === 0) return;
          const wait = err instanceof TransientAnswer ? err.retryAfterMs : undefined;
          if (wait !== undefined && wait > policy.maxRetryAfterMs) {
            throw new DeliveryError(
              `${describe(err, label)}; it asked to wait ${Math.ceil(wait / 1000)}s, more than the ${policy.maxRetryAfterMs / 1000}s this step waits`,
              false,
              err instanceof TransientAnswer ? err.status : undefined,
            );
          }
          log.warn(
            `${describe(err, label)}; attempt ${err.attemptNumber} of ${policy.retries + 1}, retrying`,
          );
          // p-retry sleeps its own backoff after this returns; together they reach at least Retry-After.
          const backoff = Math.min(policy.minBackoffMs * 2 ** (err.attemptNumber - 1), policy.maxBackoffMs);
          if (wait !== undefined && wait > backoff) await sleep(wait - backoff);
        },
      },
    );
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    const status = err instanceof TransientAnswer ? err.status : undefined;
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    throw new DeliveryError(`${describe(err, label)} (gave up after ${tries})`, false, status, {
      cause: err,
    });
  } finally {
    await agent.close();
  }
}

function retryable(err: unknown): boolean {
  return err instanceof TransientAnswer || (err instanceof NetworkFailure && err.transient);
}

function describe(err: unknown, label: string): string {
  if (err instanceof TransientAnswer) return err.message;
  const original = err instanceof NetworkFailure ? err.original : err;
  if (isTimeout(original)) return `${label} did not answer in time`;
  const code = networkErrorCode(original);
  const message = errorMessage(original);
  return `${label} unreachable: ${code && !message.includes(code) ? `${code} ${message}` : message}`;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `: ${text.length > BODY_EXCERPT_CHARS ? text.slice(0, BODY_EXCERPT_CHARS) + '…' : text}`;
}
