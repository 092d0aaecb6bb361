import pRetry, { AbortError as StopRetrying } from 'p-retry';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  setHeaderMiddleware,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { InfraError } from '../errors.js';
import type { Logger } from '../tekton/log.js';
import {
  loadKubeConfig,
  type KubeConfigInput,
  type KubeEnvironment,
  type LoadedKubeConfig,
} from './config.js';
import {
  describeAction,
  errorFromStatus,
  isTransientStatus,
  type KubeAction,
  type KubeStatus,
} from './errors.js';

export interface KubeRetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const defaultKubeRetryPolicy: KubeRetryPolicy = { retries: 4, minDelayMs: 250, maxDelayMs: 4000 };

export interface KubeClientOptions {
  log?: Logger;
  retry?: Partial<KubeRetryPolicy>;
  /** Per request; an API server that stops answering must not hang a pipeline. */
  timeoutMs?: number;
}

/** Network failures where the request never reached the server, so even a write may be sent again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NETWORK = new Set([...NOT_SENT, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ABORT_ERR']);
const READS = new Set(['get', 'list', 'watch']);

interface HttpFailure {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function httpFailure(err: unknown): HttpFailure | undefined {
  const e = err as Partial<HttpFailure> | null;
  return e && typeof e === 'object' && typeof e.code === 'number' ? (e as HttpFailure) : undefined;
}

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; type?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string' && NETWORK.has(e.code)) return e.code;
  if (e.name === 'AbortError' || e.type === 'aborted') return 'ABORT_ERR';
  return undefined;
}

function parseStatus(body: unknown): KubeStatus | undefined {
  if (typeof body !== 'string')
    return typeof body === 'object' && body !== null ? (body as KubeStatus) : undefined;
  try {
    return JSON.parse(body) as KubeStatus;
  } catch {
    return undefined;
  }
}

/** Sets an abort signal per request: client-node has no request timeout of its own. */
function timeoutMiddleware(ms: number): ObservableMiddleware {
  return {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(context));
    },
    post: (context) => new Observable(Promise.resolve(context)),
  };
}

/**
 * One API server connection for a step: the typed APIs it needs, and `call`, which every helper goes
 * through so that retries and the mapping of failures to the step contract are the same everywhere.
 */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly custom: CustomObjectsApi;
  readonly namespace: string;
  readonly server: string;
  readonly source: string;
  private readonly policy: KubeRetryPolicy;
  private readonly timeoutMs: number;
  private readonly log?: Logger;

  constructor(loaded: LoadedKubeConfig, options: KubeClientOptions = {}) {
    this.core = loaded.config.makeApiClient(CoreV1Api);
    this.apps = loaded.config.makeApiClient(AppsV1Api);
    this.custom = loaded.config.makeApiClient(CustomObjectsApi);
    this.namespace = loaded.namespace;
    this.server = loaded.server;
    this.source = loaded.source;
    this.policy = { ...defaultKubeRetryPolicy, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.log = options.log;
  }

  /**
   * Per-request options: the timeout and, for a patch, its Content-Type. client-node would otherwise send
   * every patch as application/json-patch+json, whatever the body is.
   */
  requestOptions(contentType?: string): ConfigurationOptions {
    const middleware = [timeoutMiddleware(this.timeoutMs)];
    if (contentType) middleware.push(setHeaderMiddleware('Content-Type', contentType));
    return { middleware, middlewareMergeStrategy: 'append' };
  }

  /**
   * Runs one API request with retries: reads on network failures, 429 and 5xx; writes only when the request
   * never left (connection refused, DNS) or was turned away by 429. Failures become the step contract's
   * errors (see errors.ts); exhausted network retries are an InfraError (exit 3).
   */
  async call<T>(
    action: KubeAction,
    request: (options: ConfigurationOptions) => Promise<T>,
    contentType?: string,
  ): Promise<T> {
    const read = READS.has(action.verb);
    const what = describeAction(action);
    let attempts = 0;
    try {
      return await pRetry(
        async () => {
          attempts++;
          try {
            return await request(this.requestOptions(contentType));
          } catch (err) {
            const http = httpFailure(err);
            const net = networkCode(err);
            const retryable = http
              ? http.code === 429 || (read && isTransientStatus(http.code))
              : net
                ? read || NOT_SENT.has(net)
                : false;
            if (!retryable) throw new StopRetrying(err as Error);
            const after = Number(http?.headers?.['retry-after']);
            if (Number.isFinite(after) && after > 0)
              await new Promise((r) => setTimeout(r, Math.min(after, 30) * 1000));
            throw err;
          }
        },
        {
          retries: this.policy.retries,
          minTimeout: this.policy.minDelayMs,
          maxTimeout: this.policy.maxDelayMs,
          factor: 2,
          randomize: true,
          onFailedAttempt: (err) => {
            if (err.retriesLeft > 0)
              this.log?.warn(`${what}: ${summarize(err)}; retrying (${err.retriesLeft} left)`);
          },
        },
      );
    } catch (cause) {
      // p-retry hands back the original error, also for the ones marked StopRetrying.
      const http = httpFailure(cause);
      if (http) throw errorFromStatus(action, http.code, parseStatus(http.body), this.server);
      const net = networkCode(cause);
      if (net) {
        const gaveUp = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
        throw new InfraError(
          `cannot reach the Kubernetes API at ${this.server} to ${what}: ${summarize(cause)}${gaveUp}`,
          { cause },
        );
      }
      throw cause;
    }
  }
}

function summarize(err: unknown): string {
  const http = httpFailure(err);
  if (http) return `HTTP ${http.code}`;
  const net = networkCode(err);
  if (net === 'ABORT_ERR') return 'no answer within the request timeout';
  return net ?? (err instanceof Error ? err.message : String(err));
}

export function createKubeClient(
  input: KubeConfigInput = {},
  options: KubeClientOptions & { environment?: KubeEnvironment } = {},
): KubeClient {
  return new KubeClient(loadKubeConfig(input, options.environment), options);
}
