import type { V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { UsageError } from '../errors.js';
import { registerSecret } from '../tekton/redact.js';
import type { KubeClient } from './client.js';
import { KubeNotFoundError } from './errors.js';
import { parseJson } from '../config/load.js';

export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

/** A docker config.json: what the registry client reads credentials from. */
export interface DockerConfigJson {
  auths: Record<string, DockerAuthEntry>;
}

const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
const DOCKER_CFG = 'kubernetes.io/dockercfg';

function protect(config: DockerConfigJson): DockerConfigJson {
  for (const entry of Object.values(config.auths)) {
    registerSecret(entry.auth);
    // `auth` is base64 of user:password; the password alone must not print either.
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      registerSecret(decoded.slice(decoded.indexOf(':') + 1));
    }
    registerSecret(entry.password);
    registerSecret(entry.identitytoken);
    registerSecret(entry.registrytoken);
  }
  return config;
}

/**
 * A pull secret's credentials as a docker config: `kubernetes.io/dockerconfigjson` holds one already;
 * the legacy `kubernetes.io/dockercfg` (OpenShift's service-account secrets) holds just the auths map.
 * Every credential is registered for redaction before anything can print it.
 */
export function dockerConfigFromSecret(secret: V1Secret): DockerConfigJson {
  const name = secret.metadata?.name ?? '(unnamed)';
  const key =
    secret.type === DOCKER_CONFIG_JSON
      ? '.dockerconfigjson'
      : secret.type === DOCKER_CFG
        ? '.dockercfg'
        : undefined;
  if (!key)
    throw new UsageError(
      `secret "${name}" is of type ${secret.type ?? 'Opaque'}, not ${DOCKER_CONFIG_JSON} or ${DOCKER_CFG}`,
    );
  const encoded = secret.data?.[key];
  if (!encoded) throw new UsageError(`secret "${name}" has no ${key} key`);
  let parsed: unknown;
  try {
    parsed = parseJson(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new UsageError(`secret "${name}": ${key} is not base64-encoded JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`secret "${name}": ${key} is not a JSON object`);
  const auths = key === '.dockercfg' ? parsed : (parsed as { auths?: unknown }).auths;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths))
    throw new UsageError(`secret "${name}": ${key} has no "auths" object`);
  return protect({ auths: auths as Record<string, DockerAuthEntry> });
}

export interface PullSecretLookup {
  serviceAccount: string;
  /** The secrets' auths merged; for a registry named twice, the first secret listed wins, as on the kubelet. */
  dockerConfig: DockerConfigJson;
  /** Secrets that contributed credentials, in the order listed. */
  used: string[];
  /** Each used secret's own credentials, in the order listed: for saying which secret a registry refused. */
  secrets: Array<{ name: string; dockerConfig: DockerConfigJson }>;
  /** Listed in imagePullSecrets but absent from the namespace. */
  missing: string[];
  /** Present but unusable (wrong type, malformed), with the reason. */
  invalid: Array<{ name: string; reason: string }>;
}

export function getServiceAccount(
  client: KubeClient,
  name: string,
  namespace = client.namespace,
): Promise<V1ServiceAccount> {
  return client.call({ verb: 'get', resource: 'serviceaccounts', group: '', name, namespace }, (o) =>
    client.core.readNamespacedServiceAccount({ name, namespace }, o),
  );
}

export function getSecret(client: KubeClient, name: string, namespace = client.namespace): Promise<V1Secret> {
  return client.call({ verb: 'get', resource: 'secrets', group: '', name, namespace }, (o) =>
    client.core.readNamespacedSecret({ name, namespace }, o),
  );
}

/** The registry credentials pods of this ServiceAccount get: its imagePullSecrets, read and merged. */
export async function pullSecretsFor(
  client: KubeClient,
  serviceAccount: string,
  namespace = client.namespace,
): Promise<PullSecretLookup> {
  const account = await getServiceAccount(client, serviceAccount, namespace);
  const result: PullSecretLookup = {
    serviceAccount,
    dockerConfig: { auths: {} },
    used: [],
    secrets: [],
    missing: [],
    invalid: [],
  };
  for (const ref of account.imagePullSecrets ?? []) {
    const name = ref.name;
    if (!name) continue;
    let secret: V1Secret;
    try {
      secret = await getSecret(client, name, namespace);
    } catch (err) {
      if (err instanceof KubeNotFoundError) {
        result.missing.push(name);
        continue;
      }
      throw err;
    }
    try {
      const config = dockerConfigFromSecret(secret);
      for (const [registry, entry] of Object.entries(config.auths))
        result.dockerConfig.auths[registry] ??= entry;
      result.used.push(name);
      result.secrets.push({ name, dockerConfig: config });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      result.invalid.push({ name, reason: err.message });
    }
  }
  return result;
}
