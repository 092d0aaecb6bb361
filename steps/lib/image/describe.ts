import { mapLimit } from '../concurrency.js';
import {
  isIndex,
  type RegistryClient,
  type Reference,
  type Descriptor,
  type ImageConfig,
  type Platform,
  platformString,
} from '../oci/index.js';
import { GateError } from '../errors.js';

export interface ImageDescription {
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Platforms of an index, e.g. linux/amd64; a single-platform image lists its own. */
  platforms: string[];
  /** The manifest the config below was read from (the index child for --platform). */
  manifestDigest: string;
  created: string | null;
  labels: Record<string, string>;
  layers: number;
  siblingTags?: string[];
}

function matches(candidate: Platform | undefined, wanted: Platform): boolean {
  return (
    !!candidate &&
    candidate.os === wanted.os &&
    candidate.architecture === wanted.architecture &&
    (!wanted.variant || candidate.variant === wanted.variant)
  );
}

/** Reads what people ask of an image: digest, type, platforms, config creation date and labels. */
export async function describeImage(
  client: RegistryClient,
  ref: Reference,
  options: { platform?: Platform; siblingTags?: boolean } = {},
): Promise<ImageDescription> {
  const top = await client.getManifest(ref);
  let manifestResult = top;
  let platforms: string[] = [];
  if (isIndex(top.descriptor.mediaType) && 'manifests' in top.manifest) {
    const children = top.manifest.manifests.filter(
      (m) => m.platform && m.platform.architecture !== 'unknown',
    );
    platforms = children.map((m) => platformString(m.platform));
    const wanted = options.platform;
    if (wanted) {
      const child = children.find((m) => matches(m.platform, wanted));
      if (!child)
        throw new GateError(
          `${ref}: no ${platformString(wanted)} image in the index (has ${platforms.join(', ') || 'none'})`,
        );
      manifestResult = await client.getManifest(ref.withDigest(child.digest));
    }
  }
  let created: string | null = null;
  let labels: Record<string, string> = {};
  let layers = 0;
  if ('config' in manifestResult.manifest) {
    const m = manifestResult.manifest;
    layers = m.layers.length;
    const config = await readConfig(client, ref, m.config);
    created = config?.created ?? null;
    labels = config?.config?.Labels ?? {};
    if (platforms.length === 0 && config?.os && config.architecture)
      platforms = [platformString(config as Platform)];
  }
  const description: ImageDescription = {
    reference: ref.toString(),
    digest: top.descriptor.digest,
    mediaType: top.descriptor.mediaType,
    size: top.descriptor.size,
    platforms,
    manifestDigest: manifestResult.descriptor.digest,
    created,
    labels,
    layers,
  };
  if (options.siblingTags) description.siblingTags = await tagsPointingAt(client, ref, top.descriptor.digest);
  return description;
}

async function readConfig(
  client: RegistryClient,
  ref: Reference,
  config: Descriptor,
): Promise<ImageConfig | undefined> {
  // Artifacts carry configs that are not image configs; only those are worth reading here.
  if (!/container\.image\.v1\+json|image\.config\.v1\+json/.test(config.mediaType)) return undefined;
  return JSON.parse((await client.getBlob(ref, config.digest)).toString('utf8')) as ImageConfig;
}

/** Tags of the repository that resolve to `digest`, by one HEAD per tag. */
export async function tagsPointingAt(
  client: RegistryClient,
  ref: Reference,
  digest: string,
): Promise<string[]> {
  const tags = await client.listTags(ref);
  const resolved = await mapLimit(tags, 8, async (tag) =>
    (await client.exists(ref.withTag(tag)))?.digest === digest ? tag : undefined,
  );
  return resolved.filter((t): t is string => t !== undefined).sort();
}
