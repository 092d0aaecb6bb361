import { load } from 'js-yaml';
import { registryConfigYaml, type RegistryConfigInput } from '../../helpers/registry-config.js';

interface ParsedConfig {
  http: { addr: string };
  storage: { filesystem: { rootdirectory: string }; delete: { enabled: boolean } };
  log: { accesslog: { disabled: boolean } };
  auth?: unknown;
}

const base = { port: 5123, storageDir: '/tmp/s', deleteEnabled: true, httpSecret: 'x' };

const parsed = (input: Partial<RegistryConfigInput>): ParsedConfig =>
  load(registryConfigYaml({ ...base, auth: { kind: 'none' }, ...input })) as ParsedConfig;

test('loopback address, filesystem storage, delete switch, access log on, no auth section without auth', () => {
  const config = parsed({ deleteEnabled: false });
  expect(config.http.addr).toBe('127.0.0.1:5123');
  expect(config.storage.filesystem.rootdirectory).toBe('/tmp/s');
  expect(config.storage.delete.enabled).toBe(false);
  expect(config.log.accesslog.disabled).toBe(false);
  expect(config.auth).toBeUndefined();
});

test('htpasswd and token sections carry what distribution requires', () => {
  expect(parsed({ auth: { kind: 'basic', htpasswdPath: '/tmp/h' } }).auth).toEqual({
    htpasswd: { realm: 'image-lifecycle-test', path: '/tmp/h' },
  });
  const token = parsed({
    auth: {
      kind: 'token',
      realm: 'http://127.0.0.1:9/token',
      service: 's',
      issuer: 'i',
      rootCertBundle: '/tmp/c.pem',
    },
  });
  expect(token.auth).toEqual({
    token: { realm: 'http://127.0.0.1:9/token', service: 's', issuer: 'i', rootcertbundle: '/tmp/c.pem' },
  });
});
