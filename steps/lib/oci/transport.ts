import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { loadUndici } from '../http/undici.js';
import { UsageError } from '../errors.js';
import { createLimiter } from '../concurrency.js';
import type { Logger } from '../tekton/log.js';
import { Authenticator } from './auth/authenticator.js';
import { preferredChallenge } from './auth/challenge.js';
import { anonymousKeychain, type Keychain } from './auth/keychain.js';
import { errorFromResponse, isTransientStatus, RegistryError } from './errors.js';
import {
  defaultRetryPolicy,
  parseRetryAfter,
  RetryAfterError,
  withRetries,
  type RetryPolicy,
} from './retry.js';

export interface TransportOptions {
  keychain?: Keychain;
  /** Hosts (host[:port]) reached over plain HTTP or TLS without verification. */
  insecureRegistries?: string[];
  /** PEM bundle trusted in addition to the system CAs (e.g. the OpenShift service CA). */
  caFile?: string;
  retry?: Partial<RetryPolicy>;
  /** Requests in flight at once, across all registries of this client. */
  concurrency?: number;
  timeoutMs?: number;
  log?: Logger;
  userAgent?: string;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** A path such as /v2/<name>/tags/list, or an absolute URL (upload locations, Link targets). */
  path: string;
  /** Token scopes, e.g. repository:foo:pull. */
  scopes: string[];
  operation: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Statuses the caller handles itself; every other non-2xx becomes a RegistryError. */
  accept?: number[];
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
  url: string;
}

export interface RegistryStream extends Omit<RegistryResponse, 'body'> {
  body: Dispatcher.ResponseData['body'];
}

/** Docker treats these as insecure without being told, and so do we. */
export const DEFAULT_INSECURE = ['localhost', '127.0.0.1', '[::1]'];
const MAX_REDIRECTS = 5;

/**
 * Schemes to try, in order. Loopback registries are nearly always plain HTTP, so HTTP goes first there;
 * other insecure hosts get HTTPS without verification first, as docker does.
 */
export function schemeOrder(registry: string, insecure: string[]): string[] {
  if (!isInsecureHost(registry, insecure)) return ['https'];
  return DEFAULT_INSECURE.includes(registry.replace(/:\d+$/, '')) ? ['http', 'https'] : ['https', 'http'];
}

export function isInsecureHost(registry: string, insecure: string[]): boolean {
  const host = registry.replace(/:\d+$/, '');
  return insecure.includes(registry) || insecure.includes(host) || DEFAULT_INSECURE.includes(host);
}

/**
 * HTTP for one or more registries: a keep-alive pool per origin, bounded concurrency, scheme discovery
 * for insecure hosts, authentication from the registry's challenge, and retries of transient failures.
 */
export class RegistryTransport {
  private readonly agentOptions: Agent.Options;
  private agents?: Promise<{ verified: Agent; insecure: Agent }>;
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly policy: RetryPolicy;
  private readonly keychain: Keychain;
  private readonly insecure: string[];
  private readonly log?: Logger;
  private readonly userAgent: string;
  private readonly origins = new Map<string, Promise<{ base: string; auth: Authenticator }>>();
  /** Requests sent, for benchmarks and tests that count round trips. */
  requestCount = 0;

  constructor(options: TransportOptions = {}) {
    const ca = options.caFile ? readCa(options.caFile) : undefined;
    const timeout = options.timeoutMs ?? 30_000;
    const common = {
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connections: options.concurrency ?? 8,
    };
    this.agentOptions = { ...common, connect: ca ? { ca: [ca] } : {} };
    this.limit = createLimiter(options.concurrency ?? 8);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.keychain = options.keychain ?? anonymousKeychain;
    this.insecure = options.insecureRegistries ?? [];
    this.log = options.log;
    this.userAgent = options.userAgent ?? 'image-lifecycle/0.1';
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const agents = await this.agents;
    await Promise.all([agents?.verified.close(), agents?.insecure.close()]);
  }

  authenticator(registry: string): Promise<Authenticator> {
    return this.origin(registry).then((o) => o.auth);
  }

  /** The keep-alive pools, made with the first request (undici loads then, not at start-up). */
  private async dispatcherFor(registry: string): Promise<Dispatcher> {
    this.agents ??= loadUndici().then(({ Agent }) => ({
      verified: new Agent(this.agentOptions),
      insecure: new Agent({ ...this.agentOptions, connect: { rejectUnauthorized: false } }),
    }));
    const agents = await this.agents;
    return isInsecureHost(registry, this.insecure) ? agents.insecure : agents.verified;
  }

  /** Finds the scheme and the auth challenge with one GET /v2/, once per registry. */
  private origin(registry: string): Promise<{ base: string; auth: Authenticator }> {
    let found = this.origins.get(registry);
    if (!found) {
      found = this.ping(registry);
      found.catch(() => this.origins.delete(registry));
      this.origins.set(registry, found);
    }
    return found;
  }

  private async ping(registry: string): Promise<{ base: string; auth: Authenticator }> {
    let lastError: unknown;
    for (const scheme of schemeOrder(registry, this.insecure)) {
      const base = `${scheme}://${registry}`;
      try {
        const operation = `ping ${registry}`;
        const res = await this.retry(operation, async () =>
          throwIfTransient(operation, await this.send(registry, 'GET', `${base}/v2/`, {})),
        );
        if (res.status !== 200 && res.status !== 401) {
          lastError = errorFromResponse(`ping ${registry}`, res.status, res.body.toString());
          // 400 to plain HTTP is a TLS-only server telling us so; anything else is the registry's answer.
          if (scheme === 'http' && res.status === 400) continue;
          throw lastError;
        }
        const challenge =
          res.status === 401 ? preferredChallenge(res.headers['www-authenticate']) : undefined;
        const credential = await this.keychain.resolve(registry);
        const auth = new Authenticator(registry, challenge, credential, {
          dispatcher: await this.dispatcherFor(registry),
          retry: (op, fn) => this.retry(op, fn),
        });
        return { base, auth };
      } catch (err) {
        lastError = err;
        // A failure below HTTP (TLS handshake, refused) on an insecure host: the other scheme may answer.
        if (err instanceof RegistryError && err.status) throw err;
      }
    }
    throw lastError;
  }

  retry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(operation, fn, this.policy, this.log);
  }

  private async send(
    registry: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<RegistryResponse> {
    return this.limit(async () => {
      const res = await this.sendRaw(registry, method, url, headers, body);
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      const declared = res.headers['content-length'];
      if (method !== 'HEAD' && declared !== undefined && Number(declared) !== data.length) {
        throw new RegistryError(
          `${method} ${url}: response body truncated (${data.length} of ${declared} bytes)`,
          res.status,
          'TRUNCATED',
          true,
        );
      }
      return { ...res, body: data };
    });
  }

  /** One HTTP exchange, its response body left for the caller to read. */
  private async sendRaw(
    registry: string,
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Buffer | string | Readable,
  ): Promise<RegistryStream> {
    this.requestCount++;
    const { request } = await loadUndici();
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers: { 'user-agent': this.userAgent, ...headers },
      body,
      dispatcher: await this.dispatcherFor(registry),
    });
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body: res.body, url };
  }

  /**
   * A GET whose body the caller reads as it arrives, so that a large blob passes through without being held
   * in memory. Authenticated and redirected like request(), but neither retried nor counted against the
   * concurrency limit: the caller bounds and retries whole transfers, since a half-read stream cannot be re-sent.
   */
  async open(
    registry: string,
    req: Omit<RegistryRequest, 'method' | 'body' | 'accept'>,
  ): Promise<RegistryStream> {
    const { base, auth } = await this.origin(registry);
    let url = req.path.startsWith('http') ? req.path : base + req.path;
    let reauthenticated = false;
    for (let hops = 0; ;) {
      const authorization =
        new URL(url).origin === new URL(base).origin ? await auth.header(req.scopes) : undefined;
      const res = await this.sendRaw(registry, 'GET', url, {
        ...req.headers,
        ...(authorization ? { authorization } : {}),
      });
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(res.status) && location && hops < MAX_REDIRECTS) {
        await res.body.dump();
        url = new URL(location, url).toString();
        hops++;
        continue;
      }
      if (res.status === 401 && !reauthenticated) {
        reauthenticated = true;
        if (auth.unauthorized(preferredChallenge(res.headers['www-authenticate']), req.scopes)) {
          await res.body.dump();
          continue;
        }
      }
      if (res.status >= 200 && res.status < 300) return res;
      const text = await res.body.text();
      throwIfTransient(req.operation, { ...res, body: Buffer.from(text) });
      throw errorFromResponse(req.operation, res.status, text);
    }
  }

  /**
   * Sends one request once: for a body that is a stream (it cannot be sent again), and for the steps of a
   * transfer that its caller retries as a whole, so that retries do not multiply.
   */
  async sendOnce(
    registry: string,
    req: Omit<RegistryRequest, 'body'> & { body?: Buffer | string | Readable },
  ): Promise<RegistryResponse> {
    const { base, auth } = await this.origin(registry);
    const url = req.path.startsWith('http') ? req.path : base + req.path;
    const authorization = await auth.header(req.scopes);
    const raw = await this.sendRaw(
      registry,
      req.method,
      url,
      { ...req.headers, ...(authorization ? { authorization } : {}) },
      req.body,
    );
    return this.check(req, { ...raw, body: Buffer.from(await raw.body.arrayBuffer()) });
  }

  /** Sends one registry request with authentication, redirects and retries. */
  async request(registry: string, req: RegistryRequest): Promise<RegistryResponse> {
    const { base, auth } = await this.origin(registry);
    const url = req.path.startsWith('http') ? req.path : base + req.path;
    return this.retry(req.operation, async () => {
      let reauthenticated = false;
      for (;;) {
        const authorization = await auth.header(req.scopes);
        const headers = { ...req.headers, ...(authorization ? { authorization } : {}) };
        let res = await this.send(registry, req.method, url, headers, req.body);
        res = await this.followRedirects(registry, req, res, authorization);
        if (res.status === 401 && !reauthenticated) {
          reauthenticated = true;
          if (auth.unauthorized(preferredChallenge(res.headers['www-authenticate']), req.scopes)) continue;
        }
        return this.check(req, res);
      }
    });
  }

  private async followRedirects(
    registry: string,
    req: RegistryRequest,
    first: RegistryResponse,
    authorization?: string,
  ): Promise<RegistryResponse> {
    let res = first;
    for (let hops = 0; hops < MAX_REDIRECTS && [301, 302, 303, 307, 308].includes(res.status); hops++) {
      const location = res.headers.location;
      if (!location || (req.method !== 'GET' && req.method !== 'HEAD')) break;
      const target = new URL(location, res.url);
      // Storage backends sign their own URLs; the registry's credentials must not follow us there.
      const sameOrigin = target.origin === new URL(res.url).origin;
      const headers = { ...req.headers, ...(sameOrigin && authorization ? { authorization } : {}) };
      res = await this.send(registry, req.method, target.toString(), headers);
    }
    return res;
  }

  private check(req: Pick<RegistryRequest, 'accept' | 'operation'>, res: RegistryResponse): RegistryResponse {
    if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) return res;
    throwIfTransient(req.operation, res);
    throw errorFromResponse(req.operation, res.status, res.body.toString('utf8'));
  }
}

/** Turns an overloaded or failing answer into an error the retry policy retries (honouring Retry-After). */
function throwIfTransient(operation: string, res: RegistryResponse): RegistryResponse {
  if (!isTransientStatus(res.status)) return res;
  const message = errorFromResponse(operation, res.status, res.body.toString('utf8')).message;
  const err = new RetryAfterError(
    message,
    res.status,
    res.status === 429 ? 'TOOMANYREQUESTS' : `HTTP_${res.status}`,
    true,
  );
  err.retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  throw err;
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The PEM bundle --ca-file names, checked to hold a certificate. */
export function readCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--ca-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new UsageError(`--ca-file ${file}: no PEM certificate in it`);
  return text;
}
