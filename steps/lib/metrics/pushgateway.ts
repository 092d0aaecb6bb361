import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { deliver, type DeliveryPolicy } from '../http/deliver.js';
import type { FlagSpecs } from '../tekton/args.js';
import type { Logger } from '../tekton/log.js';
import { registerSecret } from '../tekton/redact.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { groupingPath, type GroupingKey } from './grouping.js';

const LABEL = 'Pushgateway';

export const bearerTokenFlag = {
  'bearer-token-file': {
    type: 'string',
    description: 'File holding a bearer token for the Pushgateway; absent file: no token',
    valueName: 'PATH',
  },
} as const satisfies FlagSpecs;

export interface PushgatewayOptions {
  baseUrl: string;
  bearerToken?: string;
  policy: DeliveryPolicy;
  log: Logger;
}

/** Validates the base URL (a path prefix is allowed, for a gateway behind a proxy) and drops a trailing slash. */
export function pushgatewayBaseUrl(command: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(
      `${command}: --pushgateway-url must be an absolute http(s) URL such as http://pushgateway:9091`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${command}: --pushgateway-url must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.search || url.hash)
    throw new UsageError(`${command}: --pushgateway-url must not have a query or fragment`);
  registerSecret(url.password);
  return url.toString().replace(/\/+$/, '');
}

function headers(options: PushgatewayOptions, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) };
}

/** PUT: the group becomes exactly `body`; metrics of earlier pushes that are not in it are gone. */
export async function replaceGroup(
  options: PushgatewayOptions,
  key: GroupingKey,
  body: string,
): Promise<void> {
  await deliver(
    {
      method: 'PUT',
      url: options.baseUrl + groupingPath(key),
      headers: headers(options, { 'content-type': EXPOSITION_CONTENT_TYPE }),
      body,
    },
    LABEL,
    options.policy,
    options.log,
  );
}

interface ApiGroup {
  labels?: Record<string, string>;
  [metric: string]: unknown;
}
interface ApiFamily {
  metrics?: Array<{ labels?: Record<string, string>; value?: string }>;
}

export interface StoredSample {
  labels: Record<string, string>;
  value: number;
}

/**
 * What one group currently holds, by metric name, read through the Pushgateway's /api/v1/metrics.
 * Empty when the group does not exist (first run, or a gateway restarted without persistence).
 */
export async function readGroup(
  options: PushgatewayOptions,
  key: GroupingKey,
): Promise<Map<string, StoredSample[]>> {
  const res = await deliver(
    {
      method: 'GET',
      url: `${options.baseUrl}/api/v1/metrics`,
      headers: headers(options, { accept: 'application/json' }),
    },
    LABEL,
    options.policy,
    options.log,
  );
  let data: ApiGroup[];
  try {
    data = (JSON.parse(res.body) as { data?: ApiGroup[] }).data ?? [];
  } catch {
    throw new UsageError(
      `${LABEL} /api/v1/metrics did not answer JSON: is --pushgateway-url a Pushgateway (1.0 or later)?`,
    );
  }
  const wanted = Object.fromEntries(key);
  const group = data.find((g) => sameLabels(g.labels ?? {}, wanted));
  const stored = new Map<string, StoredSample[]>();
  for (const [name, family] of Object.entries(group ?? {})) {
    if (name === 'labels' || typeof family !== 'object' || family === null) continue;
    const samples = ((family as ApiFamily).metrics ?? [])
      .map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))
      .filter((sample) => Number.isFinite(sample.value));
    stored.set(name, samples);
  }
  return stored;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

const BEARER_TOKEN = /^[\x21-\x7e]+$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The bearer token for a gateway behind an authenticating proxy. Tasks always mount the (optional)
 * token Secret, so no file there means the gateway needs no token.
 */
export function readBearerToken(command: string, path: string, log: Logger): string | undefined {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.info(`no bearer token at ${path}; pushing without one`);
      return undefined;
    }
    throw new UsageError(`${command}: --bearer-token-file ${path} cannot be read`);
  }
  registerSecret(token);
  if (!token) throw new UsageError(`${command}: --bearer-token-file ${path} is empty`);
  // A token goes into an Authorization header: one line of visible ASCII, of a size tokens have.
  if (!BEARER_TOKEN.test(token) || token.length > MAX_TOKEN_LENGTH)
    throw new UsageError(
      `${command}: --bearer-token-file ${path} does not hold a bearer token (one line of visible ASCII)`,
    );
  return token;
}
