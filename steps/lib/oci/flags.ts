import type { FlagSpecs } from '../tekton/args.js';
import type { Logger } from '../tekton/log.js';
import {
  chainKeychains,
  keychainFromDockerConfig,
  OPENSHIFT_INTERNAL_REGISTRIES,
  serviceAccountKeychain,
} from './auth/keychain.js';
import { RegistryClient } from './client.js';
import { validateRegistryHost } from './reference.js';
import type { TransportOptions } from './transport.js';

/** The registry-access flags every registry-facing step shares. */
export const registryFlags = {
  'docker-config': {
    type: 'string',
    description:
      'Docker config file, or a directory with config.json or .dockerconfigjson (default $DOCKER_CONFIG, ~/.docker)',
    valueName: 'PATH',
  },
  'insecure-registry': {
    type: 'string',
    multiple: true,
    description:
      'Registry host[:port] reached over plain HTTP or unverified TLS (also $INSECURE_REGISTRIES, comma-separated)',
    valueName: 'HOST',
  },
  'ca-file': {
    type: 'string',
    description: 'PEM bundle of extra CAs to trust, e.g. the OpenShift service CA',
    valueName: 'FILE',
  },
} as const satisfies FlagSpecs;

export interface RegistryFlagValues {
  'docker-config'?: string;
  'insecure-registry': string[];
  'ca-file'?: string;
}

export function insecureRegistries(flagValues: string[]): string[] {
  const given = (values: string[], what: string) =>
    values
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean)
      .map((host) => {
        // Trusting a host without TLS is a security decision: a typo must not pass unnoticed.
        validateRegistryHost(host, what);
        return host;
      });
  return [
    ...given(flagValues, '--insecure-registry'),
    ...given([process.env.INSECURE_REGISTRIES ?? ''], 'INSECURE_REGISTRIES entry'),
  ];
}

/** Builds the client from the shared flags: docker config, then the pod's service-account token for OpenShift's registry. */
export function clientFromFlags(
  flags: RegistryFlagValues,
  log: Logger,
  options: Pick<TransportOptions, 'concurrency'> = {},
): RegistryClient {
  return new RegistryClient({
    keychain: chainKeychains(
      keychainFromDockerConfig(flags['docker-config'] || undefined),
      serviceAccountKeychain(OPENSHIFT_INTERNAL_REGISTRIES),
    ),
    insecureRegistries: insecureRegistries(flags['insecure-registry']),
    caFile: flags['ca-file'] || undefined,
    log,
    ...options,
  });
}
