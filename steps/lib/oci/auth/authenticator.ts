import type { Dispatcher } from 'undici';
import { loadUndici } from '../../http/undici.js';
import { registerSecret } from '../../tekton/redact.js';
import { errorFromResponse, RegistryError } from '../errors.js';
import type { Challenge } from './challenge.js';
import type { Credential } from './keychain.js';

/** Tokens are renewed this long (or a quarter of their life, if shorter) before they expire. */
const EXPIRY_SKEW_MS = 10_000;
/** The token spec's default lifetime when the server does not say. */
const DEFAULT_TOKEN_SECONDS = 60;

interface CachedToken {
  value: string;
  expiresAt: number;
}

export interface TokenFetch {
  dispatcher: Dispatcher;
  /** Wraps the token request in the transport's retry policy. */
  retry<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  now?: () => number;
}

/**
 * Produces the Authorization header for one registry from its challenge and credential. Bearer tokens are
 * cached per scope set, renewed before expiry, and dropped when the registry answers 401.
 */
export class Authenticator {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  /** Token requests made, per scope key; tests and benchmarks read it to prove reuse. */
  readonly tokenRequests = new Map<string, number>();

  constructor(
    readonly registry: string,
    private challenge: Challenge | undefined,
    private readonly credential: Credential | undefined,
    private readonly fetcher: TokenFetch,
  ) {}

  private now(): number {
    return (this.fetcher.now ?? Date.now)();
  }

  async header(scopes: string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const c = this.credential;
      if (!c?.username) return undefined;
      return 'Basic ' + Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64');
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (this.credential?.registryToken) return `Bearer ${this.credential.registryToken}`;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return `Bearer ${cached.value}`;
    let inflight = this.pending.get(key);
    if (!inflight) {
      inflight = this.fetchToken(challenge, scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, inflight);
    }
    const token = await inflight;
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /**
   * Called on a 401. Takes the fresh challenge and forgets the token for these scopes. Returns false when a
   * second try cannot send anything different, so the caller stops instead of looping.
   */
  unauthorized(challenge: Challenge | undefined, scopes: string[]): boolean {
    const hadChallenge = this.challenge !== undefined;
    if (challenge) this.challenge = challenge;
    if (!this.credential && this.challenge?.scheme === 'basic') return false;
    if (this.challenge?.scheme === 'bearer') return this.tokens.delete(scopeKey(scopes)) || !hadChallenge;
    return !hadChallenge && this.challenge !== undefined;
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(
        `authentication to ${this.registry}: bearer challenge without realm`,
        401,
        'UNAUTHORIZED',
        false,
      );
    const key = scopeKey(scopes);
    this.tokenRequests.set(key, (this.tokenRequests.get(key) ?? 0) + 1);
    const service = challenge.params.service;
    const c = this.credential;
    const operation = `token for ${this.registry} (${scopes.join(' ') || 'no scope'})`;
    const { request } = await loadUndici();
    const body = await this.fetcher.retry(operation, async () => {
      const url = new URL(realm);
      let res: Dispatcher.ResponseData;
      if (c?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: c.identityToken,
          client_id: 'image-lifecycle',
        });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        res = await request(url, {
          method: 'POST',
          dispatcher: this.fetcher.dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const scope of scopes) url.searchParams.append('scope', scope);
        const headers: Record<string, string> = {};
        if (c?.username)
          headers.authorization =
            'Basic ' + Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64');
        res = await request(url, { method: 'GET', dispatcher: this.fetcher.dispatcher, headers });
      }
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        const err = errorFromResponse(`authentication to ${this.registry}`, res.statusCode, text);
        if (res.statusCode === 401 || res.statusCode === 403) {
          const who = c?.username ? `user "${c.username}"` : 'anonymous access';
          throw new RegistryError(
            `authentication to ${this.registry} failed: the token server refused ${who} (HTTP ${res.statusCode})`,
            res.statusCode,
            'UNAUTHORIZED',
            false,
          );
        }
        throw err;
      }
      return text;
    });
    let parsed: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      throw new RegistryError(
        `authentication to ${this.registry}: token server answered something that is not JSON`,
        200,
        'UNAUTHORIZED',
        false,
      );
    }
    const value = parsed.token ?? parsed.access_token;
    if (!value)
      throw new RegistryError(
        `authentication to ${this.registry}: token server answered without a token`,
        200,
        'UNAUTHORIZED',
        false,
      );
    registerSecret(value);
    const issued = parsed.issued_at ? Date.parse(parsed.issued_at) : NaN;
    const start = Number.isNaN(issued) ? this.now() : Math.min(issued, this.now());
    const seconds =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_SECONDS;
    return { value, expiresAt: start + seconds * 1000 - Math.min(EXPIRY_SKEW_MS, seconds * 250) };
  }
}

export function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

export function repositoryScope(repository: string, actions: string): string {
  return `repository:${repository}:${actions}`;
}
