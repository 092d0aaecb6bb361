import {
  anonymousKeychain,
  chainKeychains,
  isIndex,
  keychainFromDockerConfigText,
  networkErrorCode,
  parseReference,
  RegistryClient,
  RegistryError,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Reference,
} from '../../../steps/lib/oci/index.js';

/** What a pull found: enough for containerStatus.imageID, the Pulled event's size, and an Image object. */
export interface PulledImage {
  reference: Reference;
  /** The digest the tag resolved to (an index digest for multi-platform images). */
  digest: string;
  mediaType: string;
  /** The platform manifest actually run. */
  manifestDigest: string;
  manifestMediaType: string;
  layers: Descriptor[];
  config: ImageConfig;
  /** Compressed layers plus config, what the kubelet reports as "Image size". */
  size: number;
}

export type PullFailure = 'not-found' | 'unauthorized' | 'unreachable' | 'invalid' | 'other';

/** A pull that failed, with the message a CRI-O node would report (the kubelet wraps it in its own words). */
export class PullError extends Error {
  constructor(
    message: string,
    readonly failure: PullFailure,
  ) {
    super(message);
  }
}

export type DockerConfigJson = { auths?: Record<string, unknown> };

/** distribution's default messages, which containers/image prints after the error code. */
const REGISTRY_MESSAGES: Record<string, string> = {
  MANIFEST_UNKNOWN: 'manifest unknown',
  NAME_UNKNOWN: 'name unknown: repository name not known to registry',
  UNAUTHORIZED: 'unauthorized: authentication required',
  DENIED: 'denied: requested access to the resource is denied',
  BLOB_UNKNOWN: 'blob unknown: blob unknown to registry',
  TOOMANYREQUESTS: 'toomanyrequests: too many requests',
};

function registryText(err: RegistryError): string {
  return (
    REGISTRY_MESSAGES[err.code] ?? `${err.code.toLowerCase().replace(/_/g, ' ')} (HTTP ${err.status ?? '?'})`
  );
}

function failureOf(err: RegistryError): PullFailure {
  if (err.status === 401 || err.code === 'UNAUTHORIZED' || err.code === 'DENIED' || err.status === 403)
    return 'unauthorized';
  if (err.notFound) return 'not-found';
  return 'other';
}

export interface PullerOptions {
  /** Registries the node may reach; others fail as unreachable. The test cluster never leaves 127.0.0.1. */
  reachable: (registry: string) => boolean;
  timeoutMs?: number;
}

const PREFIX = 'rpc error: code = Unknown desc = ';

/**
 * Pulls as far as deciding whether a container could start: resolves the reference with the pod's pull
 * credentials, reads the platform manifest and the config, and checks every layer is there (HEAD).
 * Layers are not downloaded: nothing runs them.
 */
export class ImagePuller {
  constructor(private readonly options: PullerOptions) {}

  async pull(image: string, dockerConfigs: DockerConfigJson[]): Promise<PulledImage> {
    let ref: Reference;
    try {
      ref = parseReference(image);
    } catch {
      throw new PullError(`${PREFIX}invalid reference format: ${image}`, 'invalid');
    }
    if (!this.options.reachable(ref.registry)) {
      throw new PullError(
        `${PREFIX}initializing source docker://${ref}: pinging container registry ${ref.registry}: Get "https://${ref.registry}/v2/": dial tcp: lookup ${ref.registry.replace(/:\d+$/, '')}: no such host`,
        'unreachable',
      );
    }
    const keychains = dockerConfigs.map((c, i) =>
      keychainFromDockerConfigText(JSON.stringify(c), `pull secret ${i + 1}`),
    );
    const client = new RegistryClient({
      keychain: keychains.length ? chainKeychains(...keychains) : anonymousKeychain,
      retry: { retries: 0 },
      timeoutMs: this.options.timeoutMs ?? 10_000,
    });
    const identifier = ref.digest ?? ref.tag ?? 'latest';
    try {
      const top = await this.stage(
        `initializing source docker://${ref}: reading manifest ${identifier} in ${ref.context()}`,
        ref,
        () => client.getManifest(ref),
      );
      let manifest = top.manifest as ImageManifest;
      let manifestDescriptor = top.descriptor;
      if (isIndex(top.descriptor.mediaType) || 'manifests' in top.manifest) {
        const entries = (top.manifest as ImageIndex).manifests ?? [];
        const chosen =
          entries.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ??
          entries[0];
        if (!chosen)
          throw new PullError(
            `${PREFIX}choosing image instance: no image found in image index for architecture amd64, variant "", OS linux`,
            'not-found',
          );
        const platform = await this.stage(`reading manifest ${chosen.digest} in ${ref.context()}`, ref, () =>
          client.getManifest(ref.withDigest(chosen.digest)),
        );
        manifest = platform.manifest as ImageManifest;
        manifestDescriptor = platform.descriptor;
      }
      const configBytes = await this.stage(`reading blob ${manifest.config.digest}`, ref, () =>
        client.getBlob(ref, manifest.config.digest),
      );
      for (const layer of manifest.layers ?? []) {
        const found = await this.stage(`reading blob ${layer.digest}`, ref, () =>
          client.headBlob(ref, layer.digest),
        );
        if (!found)
          throw new PullError(
            `${PREFIX}reading blob ${layer.digest}: ${REGISTRY_MESSAGES.BLOB_UNKNOWN}`,
            'not-found',
          );
      }
      let config: ImageConfig = {};
      try {
        config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
      } catch {
        // An artifact's config need not be JSON; the size still counts.
      }
      const layers = manifest.layers ?? [];
      return {
        reference: ref,
        digest: top.descriptor.digest,
        mediaType: top.descriptor.mediaType,
        manifestDigest: manifestDescriptor.digest,
        manifestMediaType: manifestDescriptor.mediaType,
        layers,
        config,
        size: manifest.config.size + layers.reduce((sum, l) => sum + l.size, 0),
      };
    } finally {
      await client.close();
    }
  }

  /** Runs one registry call, turning its failure into the runtime's message for that stage of the pull. */
  private async stage<T>(what: string, ref: Reference, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof PullError) throw err;
      if (err instanceof RegistryError && err.status !== undefined)
        throw new PullError(`${PREFIX}${what}: ${registryText(err)}`, failureOf(err));
      const code = networkErrorCode(err) ?? (err instanceof RegistryError ? err.code : undefined);
      const detail =
        code === 'ECONNREFUSED'
          ? 'connect: connection refused'
          : (code ?? (err instanceof Error ? err.message : String(err)));
      throw new PullError(
        `${PREFIX}initializing source docker://${ref}: pinging container registry ${ref.registry}: Get "http://${ref.registry}/v2/": dial tcp ${ref.registry}: ${detail}`,
        'unreachable',
      );
    }
  }
}
