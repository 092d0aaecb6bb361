import { sign, type KeyObject } from 'node:crypto';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A compact JWS signed ES256 (P-256 key), raw r||s signature as JOSE requires rather than DER. */
export function signJwtEs256(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
): string {
  const signingInput = `${base64url(JSON.stringify({ ...header, alg: 'ES256' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

export function decodeJwtPart(token: string, part: 0 | 1): Record<string, unknown> {
  const text = token.split('.')[part];
  if (text === undefined) throw new Error('not a compact JWT');
  return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
}
