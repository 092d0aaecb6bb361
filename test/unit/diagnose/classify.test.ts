import {
  classifyPullError,
  suggestFix,
  unreachableCause,
  type PullFailureCategory,
} from '../../../steps/lib/diagnose/classify.js';

// Real kubelet/runtime messages (containerd, CRI-O, dockershim), as nodes print them in `Failed` events and,
// since 1.30, in the ImagePullBackOff waiting message.
const CASES: Array<[PullFailureCategory, string]> = [
  [
    'not-found',
    'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/org/app:v0.0.29": failed to resolve reference "ghcr.io/org/app:v0.0.29": ghcr.io/org/app:v0.0.29: not found',
  ],
  ['not-found', 'rpc error: code = Unknown desc = reading manifest v9 in quay.io/org/app: manifest unknown'],
  [
    'not-found',
    'rpc error: code = Unknown desc = initializing source docker://127.0.0.1:5000/shop/web:missing: reading manifest missing in 127.0.0.1:5000/shop/web: manifest unknown',
  ],
  [
    'not-found',
    'rpc error: code = Unknown desc = Error response from daemon: manifest for nginx:nope not found: manifest unknown: manifest unknown',
  ],
  [
    'unauthorized',
    "rpc error: code = Unknown desc = Error response from daemon: pull access denied for local/dummy, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
  ],
  [
    'unauthorized',
    'rpc error: code = Unknown desc = Error response from daemon: unauthorized: authentication required',
  ],
  [
    'unauthorized',
    'rpc error: code = Unknown desc = failed to resolve image "docker.io/kubernetes/redis-slave:v2": server message: insufficient_scope: authorization failed',
  ],
  [
    'unauthorized',
    'failed to pull and unpack image "docker.io/org/private:1": failed to resolve reference "docker.io/org/private:1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
  ],
  [
    'unauthorized',
    'rpc error: code = Unknown desc = failed to pull and unpack image "r.example.com/a:1": failed to resolve reference "r.example.com/a:1": unexpected status from HEAD request to https://r.example.com/v2/a/manifests/1: 401 Unauthorized',
  ],
  [
    'rate-limited',
    'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/busybox:latest": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/busybox/manifests/sha256:50aa: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  ],
  [
    'rate-limited',
    'rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit.',
  ],
  [
    'unreachable',
    'rpc error: code = Unknown desc = pinging container registry registry.corp: Get "https://registry.corp/v2/": dial tcp: lookup registry.corp on 172.30.0.10:53: no such host',
  ],
  [
    'unreachable',
    'rpc error: code = Unknown desc = failed to do request: Head "https://10.0.0.5:5000/v2/a/manifests/1": dial tcp 10.0.0.5:5000: i/o timeout',
  ],
  [
    'unreachable',
    'rpc error: code = Unknown desc = Get "https://quay.io/v2/": net/http: TLS handshake timeout',
  ],
  ['unreachable', 'rpc error: code = DeadlineExceeded desc = context deadline exceeded'],
  [
    'unreachable',
    'rpc error: code = Unknown desc = pinging container registry 127.0.0.1:1: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
  ],
  [
    'tls',
    'failed to pull and unpack image "registry.k8s.io/coredns/coredns:v1.11.1": failed to resolve reference "registry.k8s.io/coredns/coredns:v1.11.1": failed to do request: Head "https://registry.k8s.io/v2/coredns/coredns/manifests/v1.11.1": tls: failed to verify certificate: x509: certificate signed by unknown authority',
  ],
  [
    'tls',
    'rpc error: code = Unknown desc = pinging container registry r.corp: Get "https://r.corp/v2/": x509: certificate has expired or is not yet valid',
  ],
  [
    'tls',
    'rpc error: code = Unknown desc = Get "https://10.0.0.9:5000/v2/": http: server gave HTTP response to HTTPS client',
  ],
  [
    'invalid-name',
    'Failed to apply default image tag "None:None": couldn\'t parse image reference "None:None": invalid reference format: repository name must be lowercase',
  ],
  [
    'platform-mismatch',
    'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/org/arm-only:1": no match for platform in manifest: not found',
  ],
  [
    'platform-mismatch',
    'rpc error: code = Unknown desc = choosing image instance: no image found in image index for architecture amd64, variant "", OS linux',
  ],
  [
    'platform-mismatch',
    'rpc error: code = Unknown desc = choosing image instance: no image found in manifest list for architecture arm64, variant "v8", OS linux',
  ],
  ['unknown', 'rpc error: code = Unknown desc = writing blob: storing blob to file: no space left on device'],
];

describe('classifying pull errors', () => {
  test.each(CASES)('%s: %s', (category, message) => {
    expect(classifyPullError(message)).toBe(category);
  });

  test('the waiting reason alone settles invalid names and pull policy Never', () => {
    expect(
      classifyPullError('Container image "x" is not present with pull policy of Never', 'ErrImageNeverPull'),
    ).toBe('never-pull');
    expect(classifyPullError('anything', 'InvalidImageName')).toBe('invalid-name');
  });

  test('unreachable causes', () => {
    expect(unreachableCause('dial tcp: lookup registry.corp on 10.0.0.10:53: no such host')).toBe('dns');
    expect(unreachableCause('dial tcp 10.0.0.5:5000: i/o timeout')).toBe('timeout');
    expect(unreachableCause('dial tcp 127.0.0.1:1: connect: connection refused')).toBe('refused');
    expect(unreachableCause('read: connection reset by peer')).toBe('network');
  });
});

describe('fix suggestions', () => {
  const base = {
    registry: 'quay.io',
    serviceAccount: 'deployer',
    pullSecrets: [] as string[],
    missingSecrets: [] as string[],
    message: '',
  };

  test('unauthorized names the secrets used, the missing ones, or the ServiceAccount without any', () => {
    expect(suggestFix('unauthorized', { ...base, pullSecrets: ['quay-pull'] })).toBe(
      'the credentials in pull secret(s) "quay-pull" are wrong or lack pull access to the repository on quay.io: update the secret',
    );
    expect(suggestFix('unauthorized', { ...base, pullSecrets: ['gone'], missingSecrets: ['gone'] })).toBe(
      'create the missing pull secret(s) "gone" with credentials for quay.io',
    );
    expect(suggestFix('unauthorized', base)).toMatch(
      /^give ServiceAccount "deployer" an imagePullSecret with pull access to quay\.io/,
    );
  });

  test('every category has a one-line fix', () => {
    const categories = [
      'not-found',
      'unauthorized',
      'rate-limited',
      'unreachable',
      'tls',
      'invalid-name',
      'platform-mismatch',
      'never-pull',
      'unknown',
    ] as const;
    for (const c of categories) {
      const fix = suggestFix(c, { ...base, message: 'dial tcp: lookup quay.io: no such host' });
      expect(fix.length).toBeGreaterThan(20);
      expect(fix).not.toMatch(/\n/);
    }
    expect(suggestFix('unreachable', { ...base, message: 'no such host' })).toBe(
      'the node cannot resolve quay.io: check the registry host name and the cluster DNS',
    );
  });
});
