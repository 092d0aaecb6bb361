import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, READER } from './credentials.js';
import { signJwtEs256 } from './jwt.js';
import type { SigningCert } from './signing-cert.js';
import { grantAccess, parseScopes, scopeKey, type ResourceAccess } from './token-scope.js';

export interface TokenUser {
  password: string;
  /** Actions this user may perform on every repository; `*` also opens `registry:catalog:*`. Default all. */
  actions?: readonly string[];
}

export const ADMIN_ACTIONS = ['pull', 'push', 'delete', '*'] as const;

export const DEFAULT_TOKEN_USERS: Readonly<Record<string, TokenUser>> = {
  [ADMIN.username]: { password: ADMIN.password },
  [READER.username]: { password: READER.password, actions: ['pull'] },
};

export interface TokenServerOptions {
  service: string;
  issuer: string;
  cert: SigningCert;
  users?: Record<string, TokenUser>;
  /** Actions granted without credentials; when absent, a token request without credentials gets 401. */
  anonymousActions?: readonly string[];
  ttlSeconds?: number;
  /**
   * Distribution accepts a token up to 60 s past its `exp` (clock-skew leeway), so a short TTL would never
   * expire in a test. The exp claim is moved back by this much so the registry stops accepting the token
   * when `expires_in` says it should. Set 0 to sign the plain exp.
   */
  registryLeewaySeconds?: number;
}

export interface TokenSettings {
  ttlSeconds?: number;
  registryLeewaySeconds?: number;
  /** null turns anonymous tokens off again. */
  anonymousActions?: readonly string[] | null;
}

export interface IssuedToken {
  /** undefined for an anonymous token. */
  user: string | undefined;
  requested: ResourceAccess[];
  granted: ResourceAccess[];
  issuedAt: Date;
  expiresIn: number;
}

export interface TokenStats {
  requests: number;
  rejected: number;
  issued: number;
  /** Tokens issued per user; anonymous ones under `<anonymous>`. */
  byUser: Record<string, number>;
  /** Tokens issued per requested scope, `type:name:actions` as the client asked. */
  byScope: Record<string, number>;
}

export interface TokenServer {
  url: string;
  /** The realm the registry's challenge points clients at. */
  realm: string;
  service: string;
  issuer: string;
  users: Readonly<Record<string, TokenUser>>;
  /** Changes how later tokens are signed; the registry keeps one token server per test file. */
  configure(settings: TokenSettings): void;
  issued(): IssuedToken[];
  stats(): TokenStats;
  resetStats(): void;
  stop(): Promise<void>;
}

export const ANONYMOUS = '<anonymous>';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A Docker registry token server (the `realm` of distribution's token auth), listening on 127.0.0.1. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const users = options.users ?? DEFAULT_TOKEN_USERS;
  let leeway = options.registryLeewaySeconds ?? 60;
  let anonymousActions = options.anonymousActions;
  let ttlSeconds = options.ttlSeconds ?? 300;
  let requests = 0;
  let rejected = 0;
  let issued: IssuedToken[] = [];

  const refuse = (
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ): void => {
    rejected += 1;
    sendJson(
      res,
      status,
      { errors: [{ code: status === 401 ? 'UNAUTHORIZED' : 'DENIED', message }] },
      headers,
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests += 1;
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (req.method !== 'GET' || url.pathname !== '/token') {
      refuse(res, 404, 'only GET /token is served here');
      return;
    }
    if (url.searchParams.get('service') !== options.service) {
      refuse(res, 400, `unknown service ${JSON.stringify(url.searchParams.get('service'))}`);
      return;
    }
    let requested: ResourceAccess[];
    try {
      requested = parseScopes(url.searchParams.getAll('scope'));
    } catch (error) {
      refuse(res, 400, (error as Error).message);
      return;
    }
    const credentials = parseBasic(req.headers.authorization);
    let user: string | undefined;
    let allowed: readonly string[];
    if (credentials) {
      const entry = users[credentials.username];
      if (!entry || !sameSecret(credentials.password, entry.password)) {
        refuse(res, 401, 'invalid username or password', { 'WWW-Authenticate': 'Basic realm="token"' });
        return;
      }
      user = credentials.username;
      allowed = entry.actions ?? ADMIN_ACTIONS;
    } else if (anonymousActions) {
      allowed = anonymousActions;
    } else {
      refuse(res, 401, 'credentials required', { 'WWW-Authenticate': 'Basic realm="token"' });
      return;
    }

    const granted = grantAccess(requested, allowed);
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    // exp has whole-second precision; rounding up keeps the token valid for at least expires_in.
    const expiry = Math.ceil(nowMs / 1000) + ttlSeconds - leeway;
    const token = signJwtEs256(
      { typ: 'JWT', x5c: [options.cert.certDerBase64] },
      {
        iss: options.issuer,
        sub: user ?? '',
        aud: options.service,
        iat: now,
        nbf: now,
        exp: expiry,
        jti: randomUUID(),
        access: granted,
      },
      options.cert.privateKey,
    );
    const issuedAt = new Date(now * 1000);
    issued.push({ user, requested, granted, issuedAt, expiresIn: ttlSeconds });
    sendJson(res, 200, {
      token,
      access_token: token,
      expires_in: ttlSeconds,
      issued_at: issuedAt.toISOString(),
    });
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    service: options.service,
    issuer: options.issuer,
    users,
    configure(settings) {
      ttlSeconds = settings.ttlSeconds ?? ttlSeconds;
      leeway = settings.registryLeewaySeconds ?? leeway;
      if (settings.anonymousActions !== undefined) anonymousActions = settings.anonymousActions ?? undefined;
    },
    issued: () => [...issued],
    stats() {
      const byUser: Record<string, number> = {};
      const byScope: Record<string, number> = {};
      for (const token of issued) {
        const name = token.user ?? ANONYMOUS;
        byUser[name] = (byUser[name] ?? 0) + 1;
        for (const scope of token.requested) byScope[scopeKey(scope)] = (byScope[scopeKey(scope)] ?? 0) + 1;
      }
      return { requests, rejected, issued: issued.length, byUser, byScope };
    },
    resetStats() {
      requests = 0;
      rejected = 0;
      issued = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
