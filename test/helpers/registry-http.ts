import { basicAuthorization, type Credentials } from './credentials.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer;
  /** Token scope this request needs (`repository:<repo>:pull,push`); tokens are cached under it. */
  scope?: string;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) {
    if (match[1]) params[match[1]] = match[2] ?? '';
  }
  return { scheme, params };
}

/**
 * Just enough registry HTTP for seeding, independent of the client under test: Basic on challenge, and the
 * Bearer dance (challenge → token endpoint with Basic credentials → retry), with tokens cached per scope.
 */
export class RegistryHttp {
  private basic = false;
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly credentials?: Credentials,
  ) {}

  url(pathOrUrl: string): string {
    return new URL(pathOrUrl, this.baseUrl).toString();
  }

  async request(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<HttpResult> {
    const first = await this.send(method, pathOrUrl, options, this.knownAuthorization(options.scope));
    if (first.status !== 401) return first;
    const challenge = first.headers.get('www-authenticate');
    const authorization = challenge ? await this.answer(challenge, options.scope) : undefined;
    return authorization ? this.send(method, pathOrUrl, options, authorization) : first;
  }

  /** Throws with the registry's own error text unless the status is one of `expected`. */
  async expect(
    expected: number[],
    method: string,
    pathOrUrl: string,
    options: RequestOptions = {},
  ): Promise<HttpResult> {
    const result = await this.request(method, pathOrUrl, options);
    if (!expected.includes(result.status)) {
      throw new Error(
        `${method} ${new URL(this.url(pathOrUrl)).pathname}: ${result.status} ${result.body.toString('utf8').slice(0, 300)}`,
      );
    }
    return result;
  }

  private knownAuthorization(scope: string | undefined): string | undefined {
    const token = scope === undefined ? undefined : this.tokens.get(scope);
    if (token) return `Bearer ${token}`;
    return this.basic && this.credentials ? basicAuthorization(this.credentials) : undefined;
  }

  private async send(
    method: string,
    pathOrUrl: string,
    options: RequestOptions,
    authorization: string | undefined,
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (authorization) headers.authorization = authorization;
    const response = await fetch(this.url(pathOrUrl), { method, headers, body: options.body });
    return {
      status: response.status,
      headers: response.headers,
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  /** The Authorization header a 401 challenge asks for; undefined when there is nothing new to try. */
  private async answer(header: string, scopeHint: string | undefined): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(header);
    if (scheme === 'basic') {
      if (!this.credentials || this.basic) return undefined;
      this.basic = true;
      return basicAuthorization(this.credentials);
    }
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    // Asking for the scope the caller needs, rather than the narrower one a HEAD is challenged with, lets one
    // token serve a whole push.
    for (const scope of (scopeHint ?? params.scope ?? '').split(' ').filter(Boolean)) {
      tokenUrl.searchParams.append('scope', scope);
    }
    const response = await fetch(tokenUrl, {
      headers: this.credentials ? { authorization: basicAuthorization(this.credentials) } : {},
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
    const { token, access_token: accessToken } = (await response.json()) as {
      token?: string;
      access_token?: string;
    };
    const value = token ?? accessToken;
    if (!value) throw new Error('token endpoint answered without a token');
    if (scopeHint !== undefined) this.tokens.set(scopeHint, value);
    return `Bearer ${value}`;
  }
}
