import { gzipSync } from 'node:zlib';
import { dump } from 'js-yaml';
import { UsageError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { OCI_MANIFEST } from '../oci/media-types.js';
import type { Reference } from '../oci/reference.js';
import type { RegistryClient } from '../oci/client.js';
import type { LibraryObject } from './library.js';
import { singleFileTar } from './tar.js';

/** Layer annotations of the Tekton bundle contract (tekton.dev/docs/pipelines/tekton-bundle-contracts). */
export const BUNDLE_ANNOTATION = {
  apiVersion: 'dev.tekton.image.apiVersion',
  kind: 'dev.tekton.image.kind',
  name: 'dev.tekton.image.name',
} as const;
export const BUNDLE_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const BUNDLE_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const VERSION_LABEL = 'app.kubernetes.io/version';

/** The blobs and manifest of a one-resource bundle image; everything is derived from the resource alone. */
export interface BundleImage {
  kind: string;
  name: string;
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
  digest: string;
}

/** A bundle's image repository: one per resource, `<prefix>/tasks/<name>` or `<prefix>/pipelines/<name>`. */
export function bundleRepository(prefix: Reference, kind: string, name: string): Reference {
  return prefix.withRepository(`${prefix.repository}/${kind.toLowerCase()}s/${name}`);
}

/** The tag a resource is published under: the given one, else its app.kubernetes.io/version label. */
export function bundleTag(o: LibraryObject, override?: string): string {
  if (override) return override;
  const metadata = o.object.metadata as { labels?: Record<string, unknown> } | undefined;
  const version = metadata?.labels?.[VERSION_LABEL];
  if (typeof version !== 'string' || !version) {
    throw new UsageError(
      `${o.file}: ${o.kind}/${o.name} has no ${VERSION_LABEL} label to tag its bundle with; pass --tag`,
    );
  }
  return version;
}

/**
 * Builds the image of one Task or Pipeline: a single gzip layer holding a tar with the resource's YAML,
 * annotated with its apiVersion, lower-case kind and name, which is what Tekton's bundles resolver reads.
 */
export function buildBundleImage(object: Record<string, unknown>, version: string): BundleImage {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const name = String((object.metadata as { name?: unknown } | undefined)?.name ?? '');
  if (!apiVersion || !kind || !name)
    throw new UsageError(
      `a bundle resource needs apiVersion, kind and metadata.name (got ${kind || '?'}/${name || '?'})`,
    );
  const yaml = Buffer.from(dump(object, { lineWidth: -1, noRefs: true }));
  const tar = singleFileTar(`${name}.yaml`, yaml);
  // Node writes gzip headers with mtime 0 and a fixed OS byte: the same tar always compresses to the same bytes.
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      os: '',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: BUNDLE_CONFIG_MEDIA_TYPE, digest: sha256Digest(config), size: config.length },
      layers: [
        {
          mediaType: BUNDLE_LAYER_MEDIA_TYPE,
          digest: sha256Digest(layer),
          size: layer.length,
          annotations: {
            [BUNDLE_ANNOTATION.apiVersion]: apiVersion,
            [BUNDLE_ANNOTATION.kind]: kind.toLowerCase(),
            [BUNDLE_ANNOTATION.name]: name,
          },
        },
      ],
      annotations: { 'org.opencontainers.image.title': name, 'org.opencontainers.image.version': version },
    }),
  );
  return { kind, name, layer, config, manifest, digest: sha256Digest(manifest) };
}

/** Pushes the image's blobs, then its manifest under `ref` (a tag); returns the manifest digest. */
export async function pushBundleImage(
  client: RegistryClient,
  ref: Reference,
  image: BundleImage,
): Promise<string> {
  await client.pushBlob(ref, image.config);
  await client.pushBlob(ref, image.layer);
  await client.putManifest(ref, image.manifest, OCI_MANIFEST);
  return image.digest;
}

interface TaskRefLike {
  name?: unknown;
  kind?: unknown;
  resolver?: unknown;
}

/**
 * A copy of the Pipeline whose tasks referenced by name point at their bundles instead (bundles resolver,
 * pinned by digest), so the Pipeline's bundle runs without the Tasks installed in the namespace. References
 * through another resolver (e.g. the hub's git-clone) stay as they are.
 */
export function pinTaskRefsToBundles(
  pipeline: LibraryObject,
  bundles: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const copy = structuredClone(pipeline.object);
  const spec = (copy.spec ?? {}) as Record<string, unknown>;
  for (const section of ['tasks', 'finally'] as const) {
    const tasks = Array.isArray(spec[section]) ? (spec[section] as Record<string, unknown>[]) : [];
    for (const task of tasks) {
      const ref = task.taskRef as TaskRefLike | undefined;
      if (!ref || ref.resolver !== undefined || (ref.kind !== undefined && ref.kind !== 'Task')) continue;
      const name = String(ref.name ?? '');
      const bundle = bundles.get(name);
      if (!bundle) {
        throw new UsageError(
          `${pipeline.file}: Pipeline ${pipeline.name} task ${String(task.name)} refers to Task ${name}, which is not among the bundles published; publish it too or use --task-refs keep`,
        );
      }
      task.taskRef = {
        resolver: 'bundles',
        params: [
          { name: 'bundle', value: bundle },
          { name: 'name', value: name },
          { name: 'kind', value: 'task' },
        ],
      };
    }
  }
  return copy;
}

/** One bundle to publish: where, and the image (pipelines already pointing at their tasks' bundles). */
export interface PlannedBundle {
  source: LibraryObject;
  ref: Reference;
  image: BundleImage;
}

export interface BundlePlanOptions {
  prefix: Reference;
  /** Tag for every bundle instead of each resource's version label. */
  tag?: string;
  /** `bundles`: pipelines refer to their tasks' bundles by digest; `keep`: by name, as written. */
  taskRefs: 'bundles' | 'keep';
}

/**
 * Plans every bundle: Tasks first, so each Pipeline can name its tasks' bundles by digest. The digests are
 * known before anything is pushed, because every image is derived from its resource alone.
 */
export function planBundles(objects: LibraryObject[], options: BundlePlanOptions): PlannedBundle[] {
  const seen = new Map<string, LibraryObject>();
  for (const o of objects) {
    const key = `${o.kind}/${o.name}`;
    const earlier = seen.get(key);
    if (earlier)
      throw new UsageError(
        `${o.file}: ${key} is also defined in ${earlier.file}; a bundle name must be unique`,
      );
    seen.set(key, o);
  }
  const plan = (o: LibraryObject, object: Record<string, unknown>): PlannedBundle => {
    const tag = bundleTag(o, options.tag);
    const image = buildBundleImage(object, tag);
    return { source: o, ref: bundleRepository(options.prefix, o.kind, o.name).withTag(tag), image };
  };
  const tasks = objects.filter((o) => o.kind === 'Task').map((o) => plan(o, o.object));
  const taskBundles = new Map(tasks.map((t) => [t.source.name, `${t.ref.toString()}@${t.image.digest}`]));
  const pipelines = objects
    .filter((o) => o.kind === 'Pipeline')
    .map((o) => plan(o, options.taskRefs === 'bundles' ? pinTaskRefsToBundles(o, taskBundles) : o.object));
  return [...tasks, ...pipelines];
}
