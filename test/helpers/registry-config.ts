import { dump } from 'js-yaml';

export type RegistryAuthConfig =
  | { kind: 'none' }
  | { kind: 'basic'; htpasswdPath: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface RegistryConfigInput {
  port: number;
  storageDir: string;
  deleteEnabled: boolean;
  auth: RegistryAuthConfig;
  /** Shared upload-state secret; a fixed one silences distribution's startup warning. */
  httpSecret: string;
}

function authSection(auth: RegistryAuthConfig): Record<string, unknown> | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'basic':
      return { htpasswd: { realm: 'image-lifecycle-test', path: auth.htpasswdPath } };
    case 'token':
      return {
        token: {
          realm: auth.realm,
          service: auth.service,
          issuer: auth.issuer,
          rootcertbundle: auth.rootCertBundle,
        },
      };
  }
}

/** The distribution config.yml for one test registry: loopback only, filesystem storage, access log on. */
export function registryConfigYaml(input: RegistryConfigInput): string {
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: input.storageDir },
      delete: { enabled: input.deleteEnabled },
      // The purge job would otherwise wander through storage while tests run.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${input.port}`, secret: input.httpSecret },
  };
  const auth = authSection(input.auth);
  if (auth) config.auth = auth;
  return dump(config);
}
