import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { registerSecret } from '../../tekton/redact.js';
import { DOCKER_HUB } from '../reference.js';
import { parseJson } from '../../config/load.js';

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker config "identitytoken"), exchanged at the token endpoint. */
  identityToken?: string;
  /** A bearer token used as is (docker config "registrytoken"). */
  registryToken?: string;
}

/** Finds credentials for a registry host (host[:port]); undefined means anonymous. */
export interface Keychain {
  resolve(registry: string): Promise<Credential | undefined>;
}

export const anonymousKeychain: Keychain = { resolve: async () => undefined };

export function staticKeychain(entries: Record<string, Credential>): Keychain {
  for (const c of Object.values(entries)) registerCredential(c);
  return { resolve: async (registry) => entries[registry] };
}

/** Tries each keychain in turn; the first that knows the registry answers. */
export function chainKeychains(...chain: Keychain[]): Keychain {
  return {
    async resolve(registry) {
      for (const k of chain) {
        const found = await k.resolve(registry);
        if (found) return found;
      }
      return undefined;
    },
  };
}

function registerCredential(c: Credential): void {
  registerSecret(c.password);
  registerSecret(c.identityToken);
  registerSecret(c.registryToken);
  if (c.username && c.password) registerSecret(`${c.username}:${c.password}`);
}

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub's credentials are stored under its legacy index URL. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function normalizeKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

function candidateKeys(registry: string): string[] {
  return registry === DOCKER_HUB ? HUB_KEYS : [registry];
}

/**
 * Locates a docker config: an explicit file or a directory holding config.json (DOCKER_CONFIG style) or
 * .dockerconfigjson (a Kubernetes Secret of type dockerconfigjson mounted as a Tekton workspace).
 */
export function findDockerConfig(pathOrDir?: string): string | undefined {
  const explicit = pathOrDir ?? process.env.DOCKER_CONFIG;
  const dir = explicit ?? join(homedir(), '.docker');
  if (explicit && existsSync(explicit) && statSync(explicit).isFile()) return explicit;
  for (const name of ['config.json', '.dockerconfigjson']) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  if (pathOrDir)
    throw new UsageError(`docker config "${pathOrDir}": no config.json or .dockerconfigjson there`);
  return undefined;
}

export function parseDockerConfig(text: string, source: string): DockerConfigFile {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (err) {
    throw new UsageError(
      `docker config ${source}: not valid JSON (${(err as Error).message.split('\n')[0]})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`docker config ${source}: expected a JSON object`);
  }
  const config = parsed as DockerConfigFile & { auths?: unknown };
  if (config.auths !== undefined && (typeof config.auths !== 'object' || config.auths === null)) {
    throw new UsageError(`docker config ${source}: "auths" must be an object`);
  }
  return config;
}

function decodeAuthEntry(
  entry: NonNullable<DockerConfigFile['auths']>[string],
  source: string,
  key: string,
): Credential {
  const credential: Credential = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new UsageError(`docker config ${source}: "auth" for ${key} is not base64 of user:password`);
    credential.username = decoded.slice(0, colon);
    credential.password = decoded.slice(colon + 1);
    registerSecret(entry.auth);
  }
  if (entry.username) credential.username = entry.username;
  if (entry.password) credential.password = entry.password;
  if (entry.identitytoken) credential.identityToken = entry.identitytoken;
  if (entry.registrytoken) credential.registryToken = entry.registrytoken;
  registerCredential(credential);
  return credential;
}

/** Reads a docker config file (auths, credHelpers, credsStore). Errors reading or parsing it are usage errors. */
export function keychainFromDockerConfig(pathOrDir?: string): Keychain {
  const file = findDockerConfig(pathOrDir);
  if (!file) return anonymousKeychain;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `docker config ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return keychainFromDockerConfigText(text, file);
}

export function keychainFromDockerConfigText(text: string, source: string): Keychain {
  const config = parseDockerConfig(text, source);
  const auths = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (typeof entry !== 'object' || entry === null)
      throw new UsageError(`docker config ${source}: entry ${key} must be an object`);
    const credential = decodeAuthEntry(entry, source, key);
    if (credential.username || credential.identityToken || credential.registryToken)
      auths.set(normalizeKey(key), credential);
  }
  return {
    async resolve(registry) {
      for (const key of candidateKeys(registry)) {
        const helper = config.credHelpers?.[key];
        if (helper) return credentialFromHelper(helper, key);
      }
      for (const key of candidateKeys(registry)) {
        const found = auths.get(normalizeKey(key));
        if (found) return found;
      }
      if (config.credsStore)
        return credentialFromHelper(config.credsStore, candidateKeys(registry)[0] ?? registry);
      return undefined;
    },
  };
}

/** Runs `docker-credential-<helper> get` as the docker CLI does; "credentials not found" means anonymous. */
async function credentialFromHelper(helper: string, serverUrl: string): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper))
    throw new UsageError(`docker config: invalid credential helper name "${helper}"`);
  // Loaded here: few configs name a helper, and child_process costs every step's start otherwise.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 30_000 }, (err, stdout) => {
      if (err) {
        if (
          /credentials not found/i.test(stdout) ||
          /credentials not found/i.test(String((err as { stderr?: string }).stderr ?? ''))
        ) {
          resolve(undefined);
          return;
        }
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new UsageError(
            `credential helper docker-credential-${helper} ${missing ? 'is not installed' : 'failed'} for ${serverUrl}`,
          ),
        );
        return;
      }
      try {
        const out = JSON.parse(stdout) as { Username?: string; Secret?: string };
        const credential: Credential =
          out.Username === '<token>'
            ? { identityToken: out.Secret }
            : { username: out.Username, password: out.Secret };
        registerCredential(credential);
        resolve(credential);
      } catch {
        reject(
          new UsageError(`credential helper docker-credential-${helper} printed something that is not JSON`),
        );
      }
    });
    child.stdin?.end(serverUrl);
  });
}

/** OpenShift's internal registry takes the pod's service-account token as the password of any user. */
export const SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
export const OPENSHIFT_INTERNAL_REGISTRIES = [
  'image-registry.openshift-image-registry.svc:5000',
  'image-registry.openshift-image-registry.svc.cluster.local:5000',
];

export function serviceAccountKeychain(
  registries: string[],
  tokenFile = SERVICE_ACCOUNT_TOKEN_FILE,
): Keychain {
  return {
    async resolve(registry) {
      if (!registries.includes(registry) || !existsSync(tokenFile)) return undefined;
      const token = readFileSync(tokenFile, 'utf8').trim();
      registerSecret(token);
      return { username: 'serviceaccount', password: token };
    },
  };
}
