import { shown } from '../deploy/flags.js';
import { UsageError } from '../errors.js';

interface QueryResponse {
  status?: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType?: 'vector' | 'scalar' | 'matrix' | 'string'; result?: unknown };
}

type Sample = [number, string];

/** The base URL of a Prometheus (or Thanos Querier) HTTP API, checked before the canary changes anything. */
export function prometheusBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--prometheus-url ${shown(text)} is not a URL such as http://prometheus:9090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--prometheus-url ${shown(text)} must be http:// or https://`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * One instant query (GET /api/v1/query): the value of each series, or the scalar. A range vector gives
 * each series' latest sample. Every failure is an Error with a message for the measurement: the analysis
 * counts it against consecutiveErrorLimit rather than stopping the canary at the first hiccup.
 */
export async function queryPrometheus(
  baseUrl: string,
  query: string,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<number[]> {
  const url = `${baseUrl}/api/v1/query?${new URLSearchParams({ query }).toString()}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new Error(
      `prometheus at ${baseUrl} did not answer: ${cause === 'TimeoutError' ? 'timed out' : cause}`,
    );
  }
  const text = await response.text();
  let body: QueryResponse;
  try {
    body = JSON.parse(text) as QueryResponse;
  } catch {
    throw new Error(`prometheus at ${baseUrl} answered HTTP ${response.status} without JSON`);
  }
  if (body.status !== 'success')
    throw new Error(
      `prometheus query failed (HTTP ${response.status}): ${body.errorType ?? 'error'}: ${body.error ?? 'no detail'}`,
    );
  const result = body.data?.result;
  switch (body.data?.resultType) {
    case 'scalar':
      return [Number((result as Sample)[1])];
    case 'vector':
      return (result as Array<{ value: Sample }>).map((r) => Number(r.value[1]));
    case 'matrix':
      return (result as Array<{ values: Sample[] }>).map((r) => Number(r.values[r.values.length - 1]?.[1]));
    default:
      throw new Error(
        `prometheus query returned a ${body.data?.resultType ?? 'missing'} result, not numbers`,
      );
  }
}
