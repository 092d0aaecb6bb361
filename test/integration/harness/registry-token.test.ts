import { ADMIN, READER, basicAuthorization, type Credentials } from '../../helpers/credentials.js';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwtPart, signJwtEs256 } from '../../helpers/jwt.js';
import { parseChallenge } from '../../helpers/registry-http.js';
import { TOKEN_ISSUER, TOKEN_SERVICE, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createSeeder, type PushedImage } from '../../helpers/seed.js';
import type { TokenServer } from '../../helpers/token-server.js';

let registry: TestRegistry;
let tokens: TokenServer;
let image: PushedImage;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token' });
  tokens = registry.tokenServer!;
  image = await createSeeder(registry, ADMIN).pushImage({ repo: 'team/app', tag: 'v1' });
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(() => {
  tokens.configure({ ttlSeconds: 300, registryLeewaySeconds: 60, anonymousActions: null });
  tokens.resetStats();
});

async function getToken(
  scopes: string[],
  credentials?: Credentials,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(tokens.realm);
  url.searchParams.set('service', TOKEN_SERVICE);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const response = await fetch(url, {
    headers: credentials ? { authorization: basicAuthorization(credentials) } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function tokenFor(scopes: string[], credentials?: Credentials): Promise<string> {
  const { status, body } = await getToken(scopes, credentials);
  expect(status).toBe(200);
  return body.token as string;
}

function manifestHead(token?: string): Promise<Response> {
  return fetch(`${registry.url}/v2/team/app/manifests/v1`, {
    method: 'HEAD',
    headers: { accept: image.mediaType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
}

function startUpload(token: string): Promise<Response> {
  return fetch(`${registry.url}/v2/team/app/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
}

test('without a token the registry challenges with realm, service and the scope it needs', async () => {
  const response = await manifestHead();
  expect(response.status).toBe(401);
  const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
  expect(challenge).toEqual({
    scheme: 'bearer',
    params: { realm: tokens.realm, service: TOKEN_SERVICE, scope: 'repository:team/app:pull' },
  });
});

test('the token endpoint answers the token protocol shape, with a JWT distribution verifies', async () => {
  const { status, body } = await getToken(['repository:team/app:pull'], ADMIN);
  expect(status).toBe(200);
  expect(body).toEqual({
    token: expect.any(String),
    access_token: body.token,
    expires_in: 300,
    issued_at: expect.any(String),
  });
  expect(Math.abs(Date.parse(body.issued_at as string) - Date.now())).toBeLessThan(5000);

  const header = decodeJwtPart(body.token as string, 0);
  expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', x5c: [expect.any(String)] });
  const claims = decodeJwtPart(body.token as string, 1);
  expect(claims).toMatchObject({
    iss: TOKEN_ISSUER,
    aud: TOKEN_SERVICE,
    sub: 'admin',
    access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
  });

  const response = await manifestHead(body.token as string);
  expect(response.status).toBe(200);
  expect(response.headers.get('docker-content-digest')).toBe(image.digest);
});

test('a token with the right claims and certificate but signed by another key is refused', async () => {
  const genuine = await tokenFor(['repository:team/app:pull'], ADMIN);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const forged = signJwtEs256(decodeJwtPart(genuine, 0), decodeJwtPart(genuine, 1), privateKey);
  const response = await manifestHead(forged);
  expect(response.status).toBe(401);
  expect(parseChallenge(response.headers.get('www-authenticate') ?? '').params.error).toBe('invalid_token');
});

test('a token for another repository is refused with insufficient_scope', async () => {
  const token = await tokenFor(['repository:team/other:pull'], ADMIN);
  const response = await manifestHead(token);
  expect(response.status).toBe(401);
  expect(parseChallenge(response.headers.get('www-authenticate') ?? '').params.error).toBe(
    'insufficient_scope',
  );
});

test('the reader may pull but its push is refused: the token server grants pull only', async () => {
  const token = await tokenFor(['repository:team/app:pull,push'], READER);
  expect(decodeJwtPart(token, 1).access).toEqual([
    { type: 'repository', name: 'team/app', actions: ['pull'] },
  ]);
  expect((await manifestHead(token)).status).toBe(200);
  const push = await startUpload(token);
  expect(push.status).toBe(401);
  expect(parseChallenge(push.headers.get('www-authenticate') ?? '').params).toMatchObject({
    error: 'insufficient_scope',
    scope: expect.stringMatching(/^repository:team\/app:(pull,push|push,pull)$/),
  });

  const adminToken = await tokenFor(['repository:team/app:pull,push'], ADMIN);
  const adminPush = await startUpload(adminToken);
  expect(adminPush.status).toBe(202);
});

test('the catalog needs registry:catalog:*, which only a user with * gets', async () => {
  const catalog = (token: string): Promise<Response> =>
    fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
  const admin = await catalog(await tokenFor(['registry:catalog:*'], ADMIN));
  expect(admin.status).toBe(200);
  expect(((await admin.json()) as { repositories: string[] }).repositories).toContain('team/app');
  expect(decodeJwtPart(await tokenFor(['registry:catalog:*'], READER), 1).access).toEqual([]);
  expect((await catalog(await tokenFor(['registry:catalog:*'], READER))).status).toBe(401);
});

test('bad credentials and anonymous requests are refused unless anonymous pull is configured', async () => {
  expect(
    (await getToken(['repository:team/app:pull'], { username: ADMIN.username, password: 'wrong' })).status,
  ).toBe(401);
  expect((await getToken(['repository:team/app:pull'])).status).toBe(401);

  tokens.configure({ anonymousActions: ['pull'] });
  const anonymous = await tokenFor(['repository:team/app:pull,push']);
  expect(decodeJwtPart(anonymous, 1)).toMatchObject({
    sub: '',
    access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }],
  });
  expect((await manifestHead(anonymous)).status).toBe(200);
  expect(tokens.stats()).toMatchObject({ requests: 3, rejected: 2, issued: 1, byUser: { '<anonymous>': 1 } });
});

test('counters show tokens issued per user and per scope; the seeder reuses its token within a push', async () => {
  await createSeeder(registry, ADMIN).pushImage({
    repo: 'team/counted',
    tag: 'v1',
    config: { labels: { n: '1' } },
  });
  await tokenFor(['repository:team/app:pull'], READER);
  await tokenFor(['repository:team/app:pull'], READER);
  const stats = tokens.stats();
  // One push (HEAD + upload per blob, manifest PUT) on one token.
  expect(stats.byUser).toEqual({ admin: 1, reader: 2 });
  expect(stats.byScope).toEqual({ 'repository:team/counted:pull,push': 1, 'repository:team/app:pull': 2 });
  expect(tokens.issued().map((token) => token.user)).toEqual(['admin', 'reader', 'reader']);
});

test('short TTL: the registry stops accepting a token when expires_in runs out (leeway compensated)', async () => {
  tokens.configure({ ttlSeconds: 1 });
  const compensated = await getToken(['repository:team/app:pull'], ADMIN);
  expect(compensated.body.expires_in).toBe(1);
  tokens.configure({ registryLeewaySeconds: 0 });
  const plainExp = await tokenFor(['repository:team/app:pull'], ADMIN);
  expect((await manifestHead(compensated.body.token as string)).status).toBe(200);

  await new Promise((resolve) => setTimeout(resolve, 2100));
  const expired = await manifestHead(compensated.body.token as string);
  expect(expired.status).toBe(401);
  expect(parseChallenge(expired.headers.get('www-authenticate') ?? '').params.error).toBe('invalid_token');
  // Why the compensation exists: distribution 2.8 accepts a token up to 60 s past its exp claim.
  expect((await manifestHead(plainExp)).status).toBe(200);
});
