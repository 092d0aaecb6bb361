import { nextLink } from '../../../steps/lib/oci/link.js';
import { parseChallenges } from '../../../steps/lib/oci/auth/challenge.js';
import { parseRetryAfter } from '../../../steps/lib/oci/retry.js';
import { errorFromResponse, tlsErrorCode } from '../../../steps/lib/oci/errors.js';

describe('nextLink', () => {
  const base = 'http://127.0.0.1:5000/v2/app/tags/list?n=2';
  test('resolves a relative next link against the request URL', () => {
    expect(nextLink('</v2/app/tags/list?last=b&n=2>; rel="next"', base)).toBe(
      'http://127.0.0.1:5000/v2/app/tags/list?last=b&n=2',
    );
  });
  test('finds next among several links and unquoted rel', () => {
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/next?a=1,2>; rel=next', base)).toBe(
      'https://x/next?a=1,2',
    );
  });
  test('no header or no next link ends pagination', () => {
    expect(nextLink(undefined, base)).toBeUndefined();
    expect(nextLink('<https://x/prev>; rel="prev"', base)).toBeUndefined();
  });
});

describe('parseChallenges', () => {
  test('bearer with quoted params', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'registry.example',
          scope: 'repository:a:pull,push',
        },
      },
    ]);
  });
  test('two challenges in one header, and unquoted values', () => {
    const parsed = parseChallenges('Basic realm="Registry Realm", Bearer realm=https://a/t,service=s');
    expect(parsed.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parsed[1]?.params).toEqual({ realm: 'https://a/t', service: 's' });
  });
  test('empty header', () => {
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe('parseRetryAfter', () => {
  test('seconds', () => expect(parseRetryAfter('3')).toBe(3000));
  test('HTTP-date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
  });
  test('a date in the past means now', () =>
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:00 GMT', Date.parse('2026-01-02'))).toBe(0));
  test('garbage is ignored', () => expect(parseRetryAfter('soon')).toBeUndefined());
});

describe('errorFromResponse', () => {
  test('takes the distribution error code and marks 5xx transient', () => {
    const e = errorFromResponse(
      'get manifest x',
      404,
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
    );
    expect([e.code, e.transient, e.notFound, e.exitCode]).toEqual(['MANIFEST_UNKNOWN', false, true, 1]);
    const t = errorFromResponse('get manifest x', 503, '<html>busy</html>');
    expect([t.code, t.transient, t.exitCode]).toEqual(['HTTP_503', true, 3]);
  });
});

describe('tlsErrorCode', () => {
  test('finds a certificate failure anywhere in the cause chain', () => {
    const inner = Object.assign(new Error('self-signed certificate'), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    expect(tlsErrorCode(new Error('fetch failed', { cause: inner }))).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(tlsErrorCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined();
  });
});
