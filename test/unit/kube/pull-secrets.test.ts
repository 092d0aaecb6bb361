import type { V1Secret } from '@kubernetes/client-node';
import { UsageError } from '../../../steps/lib/errors.js';
import { dockerConfigFromSecret } from '../../../steps/lib/kube/pull-secrets.js';
import { clearRegisteredSecrets, redact } from '../../../steps/lib/tekton/redact.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const secret = (type: string, data: Record<string, string>): V1Secret => ({
  metadata: { name: 'pull' },
  type,
  data,
});

afterEach(() => clearRegisteredSecrets());

describe('docker config from a pull secret', () => {
  test('kubernetes.io/dockerconfigjson holds a whole docker config', () => {
    const auth = b64('robot:s3cret-pass');
    const config = dockerConfigFromSecret(
      secret('kubernetes.io/dockerconfigjson', {
        '.dockerconfigjson': b64({ auths: { 'quay.io': { auth } } }),
      }),
    );
    expect(config).toEqual({ auths: { 'quay.io': { auth } } });
  });

  test('kubernetes.io/dockercfg (OpenShift service-account secrets) holds just the auths', () => {
    const config = dockerConfigFromSecret(
      secret('kubernetes.io/dockercfg', {
        '.dockercfg': b64({ 'image-registry.svc:5000': { username: 'sa', password: 'tok-123456' } }),
      }),
    );
    expect(config).toEqual({
      auths: { 'image-registry.svc:5000': { username: 'sa', password: 'tok-123456' } },
    });
  });

  test('every credential is registered for redaction', () => {
    dockerConfigFromSecret(
      secret('kubernetes.io/dockerconfigjson', {
        '.dockerconfigjson': b64({ auths: { r: { username: 'u', password: 'hunter2-long' } } }),
      }),
    );
    expect(redact('password was hunter2-long')).toBe('password was ***');
  });

  test.each([
    [
      secret('Opaque', { a: b64('x') }),
      'secret "pull" is of type Opaque, not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg',
    ],
    [secret('kubernetes.io/dockerconfigjson', {}), 'secret "pull" has no .dockerconfigjson key'],
    [
      secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{not json') }),
      'secret "pull": .dockerconfigjson is not base64-encoded JSON',
    ],
    [
      secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64({ credsStore: 'x' }) }),
      'secret "pull": .dockerconfigjson has no "auths" object',
    ],
  ])('unusable secrets are usage errors naming the secret (%#)', (s, message) => {
    expect(() => dockerConfigFromSecret(s)).toThrow(new UsageError(message));
  });
});
