import {
  keychainFromDockerConfig,
  keychainFromDockerConfigText,
  OPENSHIFT_INTERNAL_REGISTRIES,
  serviceAccountKeychain,
  type Keychain,
} from '../oci/auth/keychain.js';
import type { PullSecretLookup } from '../kube/pull-secrets.js';

/**
 * Registry credentials that remember where they came from, so an unauthorized answer can name the pull
 * secret (or docker config) whose credentials the registry refused.
 */
export interface CredentialSource {
  keychain: Keychain;
  /** `the credentials of pull secret "x" of ServiceAccount "y"`, or why there were none. */
  describe(registry: string): string;
}

interface Labelled {
  label: string;
  keychain: Keychain;
}

function tracked(sources: Labelled[], none: (registry: string) => string): CredentialSource {
  const answered = new Map<string, string>();
  return {
    keychain: {
      // The first source with credentials for the registry wins, as on the kubelet and in docker.
      async resolve(registry) {
        for (const { label, keychain } of sources) {
          const credential = await keychain.resolve(registry);
          if (credential) {
            answered.set(registry, label);
            return credential;
          }
        }
        return undefined;
      },
    },
    describe: (registry) => answered.get(registry) ?? none(registry),
  };
}

/** The credentials pods of a ServiceAccount pull with: its imagePullSecrets, each tried in the order listed. */
export function serviceAccountCredentials(lookup: PullSecretLookup): CredentialSource {
  const account = `ServiceAccount "${lookup.serviceAccount}"`;
  const sources = lookup.secrets.map(({ name, dockerConfig }) => ({
    label: `the credentials of pull secret "${name}" of ${account}`,
    keychain: keychainFromDockerConfigText(JSON.stringify(dockerConfig), `pull secret ${name}`),
  }));
  return tracked(sources, (registry) => {
    const notes = [
      lookup.used.length
        ? `secrets with credentials for other registries: ${lookup.used.join(', ')}`
        : 'it lists no usable pull secret',
      ...(lookup.missing.length ? [`missing: ${lookup.missing.join(', ')}`] : []),
      ...lookup.invalid.map((i) => `unusable: ${i.reason}`),
    ];
    return `no credentials: no pull secret of ${account} has any for ${registry} (${notes.join('; ')})`;
  });
}

/**
 * What the other registry steps use (clientFromFlags): a docker config file or directory (a mounted
 * dockerconfigjson Secret; default $DOCKER_CONFIG or ~/.docker), then the pod's service-account token for
 * OpenShift's internal registry.
 */
export function dockerConfigCredentials(pathOrDir: string | undefined): CredentialSource {
  const config = pathOrDir ? `docker config ${pathOrDir}` : 'the default docker config';
  return tracked(
    [
      { label: `the credentials in ${config}`, keychain: keychainFromDockerConfig(pathOrDir) },
      {
        label: "the pod's service-account token",
        keychain: serviceAccountKeychain(OPENSHIFT_INTERNAL_REGISTRIES),
      },
    ],
    (registry) => `no credentials: ${config} has none for ${registry}`,
  );
}
