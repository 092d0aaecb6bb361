import { insecureRegistries } from '../../../steps/lib/oci/flags.js';
import {
  parseReference,
  parseRepository,
  validateRegistryHost,
  validateTag,
} from '../../../steps/lib/oci/reference.js';
import { UsageError } from '../../../steps/lib/errors.js';

const HEX = 'a'.repeat(64);

describe('parseReference normalizes like the distribution grammar', () => {
  test.each([
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
    ['index.docker.io/user/app', 'docker.io', 'user/app', undefined, undefined],
    ['user/app:v1', 'docker.io', 'user/app', 'v1', undefined],
    ['quay.io/org/team/app:1.2.3', 'quay.io', 'org/team/app', '1.2.3', undefined],
    ['localhost/app', 'localhost', 'app', undefined, undefined],
    ['localhost:5000/app:latest', 'localhost:5000', 'app', 'latest', undefined],
    ['127.0.0.1:5000/a/b@sha256:' + HEX, '127.0.0.1:5000', 'a/b', undefined, 'sha256:' + HEX],
    ['registry.example.com:443/x:t@sha256:' + HEX, 'registry.example.com:443', 'x', 't', 'sha256:' + HEX],
    ['[::1]:5000/app:1', '[::1]:5000', 'app', '1', undefined],
    [
      'image-registry.openshift-image-registry.svc:5000/ns/app:dev',
      'image-registry.openshift-image-registry.svc:5000',
      'ns/app',
      'dev',
      undefined,
    ],
    ['a__b/c--d/e.f:_tag', 'docker.io', 'a__b/c--d/e.f', '_tag', undefined],
  ])('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect([ref.registry, ref.repository, ref.tag, ref.digest]).toEqual([registry, repository, tag, digest]);
  });

  test('toString round-trips the normalized form', () => {
    expect(parseReference('nginx:1').toString()).toBe('docker.io/library/nginx:1');
    expect(parseReference('localhost:5000/a@sha256:' + HEX).toString()).toBe(
      'localhost:5000/a@sha256:' + HEX,
    );
  });

  test('defaultRegistry resolves short names against a given registry', () => {
    expect(parseReference('app:1', { defaultRegistry: 'quay.io' }).context()).toBe('quay.io/app');
  });

  test('identifier prefers the digest, then the tag, then latest', () => {
    expect(parseReference('a:t@sha256:' + HEX).identifier()).toBe('sha256:' + HEX);
    expect(parseReference('a:t').identifier()).toBe('t');
    expect(parseReference('a').identifier()).toBe('latest');
  });
});

describe('malformed references are usage errors with one clear line', () => {
  test.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['UPPER/Case', /lowercase/],
    ['repo:tag:tag', /more than one tag/],
    ['repo@sha256:short', /bad digest/],
    ['repo@md5:abc', /bad digest/],
    ['repo:' + 'x'.repeat(300), /bad tag "x{80}…\(300 chars\)"/],
    ['repo:-leadingdash', /bad tag/],
    ['repo:.dot', /bad tag/],
    ['a//b', /bad repository name component/],
    ['a/b_/c', /bad repository name component/],
    ['my host/app', /white space/],
    ['app;rm -rf', /white space/],
    ['app$(id)', /bad repository name component/],
    ['host:99999999/app', /bad registry host/],
    ['127.0.0.1:65536/app', /bad registry host "127.0.0.1:65536"/],
    ['127.0.0.1:0/app', /bad registry host/],
    ['x/' + 'a'.repeat(260), /longer than 255/],
  ])('%j', (input, message) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).exitCode).toBe(2);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });

  test('parseRepository refuses a tag', () => {
    expect(() => parseRepository('quay.io/a:1')).toThrow(/without tag or digest/);
    expect(parseRepository('quay.io/a').context()).toBe('quay.io/a');
  });

  test('validateTag accepts 128 characters and refuses 129', () => {
    expect(() => validateTag('a'.repeat(128))).not.toThrow();
    expect(() => validateTag('a'.repeat(129))).toThrow(UsageError);
  });
});

describe('registry hosts given on their own', () => {
  test.each(['quay.io', '127.0.0.1:5000', 'localhost', '[::1]:5000', 'registry.example.com:65535'])(
    '%s is a host',
    (host) => {
      expect(() => validateRegistryHost(host)).not.toThrow();
    },
  );

  test.each([
    'http://quay.io',
    'quay.io/team',
    'quay.io:99999',
    'a b',
    '$(params.REGISTRY)',
    '',
    'x'.repeat(300),
  ])('%j is not', (host) => {
    expect(() => validateRegistryHost(host, '--registry')).toThrow(
      /^--registry must be a registry host\[:port\] such as quay.example.com, got ".*"$/,
    );
  });

  test('--insecure-registry and INSECURE_REGISTRIES entries must be hosts: trusting one without TLS is no place for a typo', () => {
    expect(insecureRegistries(['a.example:5000,b.example', ' c.example '])).toEqual(
      expect.arrayContaining(['a.example:5000', 'b.example', 'c.example']),
    );
    expect(() => insecureRegistries(['https://a.example'])).toThrow(
      /--insecure-registry must be a registry host\[:port\] such as quay.example.com, got "https:\/\/a.example"/,
    );
  });
});
