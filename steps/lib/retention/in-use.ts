import { parseReference } from '../oci/reference.js';
import { emptyInUse, type InUseIndex } from './model.js';

/** One image reference the cluster uses, and who uses it (e.g. `Deployment shop/web`). */
export interface ImageInUse {
  reference: string;
  user: string;
}

/** Where the images in use come from; the planner only ever sees the index built from the list. */
export interface InUseSource {
  imagesInUse(): Promise<ImageInUse[]>;
}

/** Runtimes prefix image IDs with their scheme: docker-pullable://reg/repo@sha256:…, docker://… */
const RUNTIME_PREFIX = /^[a-z-]+:\/\//;

/**
 * Indexes references by repository of the registry being cleaned: a tag reference protects the tag, a
 * digest reference (or a pod's resolved image ID) protects the manifest. References to other registries,
 * and ones that cannot be parsed, protect nothing here. `registries` lists every name the cluster may use
 * for this registry (its host and aliases such as a route or service name).
 */
export function indexInUse(images: readonly ImageInUse[], registries: readonly string[]): InUseIndex {
  const index = emptyInUse();
  const hosts = new Set(registries.map((r) => r.toLowerCase()));
  const add = (map: Map<string, Map<string, string[]>>, repository: string, key: string, user: string) => {
    const forRepo = map.get(repository) ?? new Map<string, string[]>();
    const users = forRepo.get(key) ?? [];
    if (!users.includes(user)) users.push(user);
    forRepo.set(key, users);
    map.set(repository, forRepo);
  };
  for (const { reference, user } of images) {
    let ref;
    try {
      ref = parseReference(reference.replace(RUNTIME_PREFIX, ''));
    } catch {
      continue;
    }
    if (!hosts.has(ref.registry.toLowerCase())) continue;
    if (ref.digest) add(index.digests, ref.repository, ref.digest, user);
    if (ref.tag) add(index.tags, ref.repository, ref.tag, user);
    // No tag and no digest: the runtime pulls `latest`.
    if (!ref.digest && !ref.tag) add(index.tags, ref.repository, 'latest', user);
  }
  return index;
}

/** The images of a pod template or pod spec: containers, init containers and ephemeral containers. */
export function podSpecImages(spec: unknown): string[] {
  const s = (spec ?? {}) as Record<string, unknown>;
  return ['containers', 'initContainers', 'ephemeralContainers'].flatMap((key) =>
    (Array.isArray(s[key]) ? (s[key] as Array<{ image?: unknown }>) : [])
      .map((c) => c.image)
      .filter((i): i is string => typeof i === 'string' && i !== ''),
  );
}
