import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { KubeNotFoundError, type KubeAction } from '../kube/errors.js';
import { deleteImageStreamTag, imageStreamTagName, type ImageStream } from '../kube/imagestreams.js';
import { DOCKER_MANIFEST } from '../oci/media-types.js';
import { parseReference } from '../oci/reference.js';
import { CREATED_KEY } from './age.js';
import type { Executor } from './apply.js';
import type { Backend } from './backend.js';
import { indexInUse, type ImageInUse } from './in-use.js';
import type { InUseIndex, ManifestInfo, RepositoryInventory } from './model.js';
import type { RetentionPolicy } from './policy.js';
import { shortDigest } from './tags.js';

const GROUP = 'image.openshift.io';
const VERSION = 'v1';

/** The parts of an ImageStreamTag's image that retention reads (OpenShift embeds the Image in the tag). */
interface TagImage {
  metadata?: { name?: string };
  dockerImageManifestMediaType?: string;
  dockerImageMetadata?: { Created?: string; Config?: { Labels?: Record<string, string> | null } };
  dockerImageLayers?: Array<{ name: string; size: number }> | null;
}

interface ImageStreamTagView {
  metadata: { name?: string };
  image?: TagImage;
}

/**
 * OpenShift's integrated registry through its API: repositories are image streams (`namespace/stream`),
 * tags are ImageStreamTags. Only tags are removed, never images or blobs; `oc adm prune images` frees the
 * storage of images nothing references any more.
 */
export class ImageStreamBackend implements Backend {
  readonly description: string;
  readonly tagsOnly =
    'image streams: only the ImageStreamTag goes; the image stays until `oc adm prune images` removes it';
  readonly reclaimHint =
    'removing ImageStreamTags frees no space by itself: run `oc adm prune images --confirm` (it removes images that no image stream, pod or build references)';
  /** Host names of the integrated registry the streams report, for matching images in use. */
  private readonly hosts = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {
    this.description = `image streams in namespace ${namespace}`;
  }

  private action(verb: KubeAction['verb'], resource: string, name?: string): KubeAction {
    return { verb, resource, group: GROUP, namespace: this.namespace, ...(name ? { name } : {}) };
  }

  async repositories(given: readonly string[]): Promise<string[]> {
    const list = (await this.client.call(this.action('list', 'imagestreams'), (o) =>
      this.client.custom.listNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: this.namespace, plural: 'imagestreams' },
        o,
      ),
    )) as { items?: ImageStream[] };
    const streams = list.items ?? [];
    for (const stream of streams) {
      for (const pullSpec of [
        stream.status?.dockerImageRepository,
        stream.status?.publicDockerImageRepository,
      ]) {
        if (pullSpec) this.hosts.add(parseReference(pullSpec).registry);
      }
    }
    const names = streams.map((s) => `${this.namespace}/${s.metadata.name}`);
    if (given.length === 0) return names;
    return given.map((g) => {
      const name = g.includes('/') ? g : `${this.namespace}/${g}`;
      if (!names.includes(name))
        throw new UsageError(
          `--repository ${g}: no image stream "${name.split('/').pop()}" in namespace ${this.namespace}`,
        );
      return name;
    });
  }

  private stream(repository: string): string {
    const [namespace, stream] = repository.split('/');
    if (namespace !== this.namespace || !stream)
      throw new UsageError(`repository ${repository} is not an image stream of namespace ${this.namespace}`);
    return stream;
  }

  async inventory(repository: string): Promise<RepositoryInventory> {
    const stream = this.stream(repository);
    const list = (await this.client.call(this.action('list', 'imagestreamtags'), (o) =>
      this.client.custom.listNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: this.namespace, plural: 'imagestreamtags' },
        o,
      ),
    )) as { items?: ImageStreamTagView[] };
    const tags = new Map<string, string>();
    const manifests = new Map<string, ManifestInfo>();
    for (const item of list.items ?? []) {
      const [itemStream, tag] = (item.metadata.name ?? '').split(':');
      const digest = item.image?.metadata?.name;
      if (itemStream !== stream || !tag || !digest) continue;
      tags.set(tag, digest);
      if (!manifests.has(digest)) manifests.set(digest, manifestOf(digest, item.image as TagImage));
    }
    return { repository, tags, manifests, referrers: new Map() };
  }

  /**
   * Tags by the integrated registry's names (and the policy's aliases). Digests count wherever the cluster
   * pulls them from: an image imported with referencePolicy Source runs under its original registry's name.
   */
  inUse(
    images: readonly ImageInUse[],
    policy: RetentionPolicy,
    inventories: readonly RepositoryInventory[],
  ): InUseIndex {
    const index = indexInUse(images, [...this.hosts, ...policy.inUse.registryAliases]);
    for (const { reference, user } of images) {
      const digest = /@(sha256:[a-f0-9]{64})$/.exec(reference)?.[1];
      if (!digest) continue;
      for (const inv of inventories) {
        if (!inv.manifests.has(digest)) continue;
        const forRepo = index.digests.get(inv.repository) ?? new Map<string, string[]>();
        const users = forRepo.get(digest) ?? [];
        if (!users.includes(user)) users.push(user);
        index.digests.set(inv.repository, forRepo.set(digest, users));
      }
    }
    return index;
  }

  /** A server-side dry-run delete: the API server checks permission and deletes nothing (404 means allowed). */
  async checkCanDelete(repository: string): Promise<void> {
    const name = imageStreamTagName(this.stream(repository), 'image-lifecycle-permission-probe');
    try {
      await this.client.call(this.action('delete', 'imagestreamtags', name), (o) =>
        this.client.custom.deleteNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            namespace: this.namespace,
            plural: 'imagestreamtags',
            name,
            dryRun: 'All',
          },
          o,
        ),
      );
    } catch (err) {
      if (!(err instanceof KubeNotFoundError)) throw err;
    }
  }

  async dryRunWarnings(): Promise<string[]> {
    return [];
  }

  async executor(repository: string): Promise<Executor> {
    return new ImageStreamExecutor(this.client, this.namespace, this.stream(repository));
  }
}

function manifestOf(digest: string, image: TagImage): ManifestInfo {
  const dates: ManifestInfo['dates'] = {};
  const created = image.dockerImageMetadata?.Created;
  if (created) dates.config = created;
  const label = image.dockerImageMetadata?.Config?.Labels?.[CREATED_KEY];
  if (label) dates.label = label;
  return {
    digest,
    mediaType: image.dockerImageManifestMediaType ?? DOCKER_MANIFEST,
    size: 0,
    children: [],
    blobs: (image.dockerImageLayers ?? []).map((l) => ({ digest: l.name, size: l.size })),
    dates,
  };
}

/** Compare-and-delete of ImageStreamTags: the tag is read again and removed only if it still names the planned image. */
class ImageStreamExecutor implements Executor {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly stream: string,
  ) {}

  async untag(tag: string, digest: string): Promise<'done' | 'gone' | { skipped: string }> {
    const name = imageStreamTagName(this.stream, tag);
    let current: ImageStreamTagView;
    try {
      current = (await this.client.call(
        { verb: 'get', resource: 'imagestreamtags', group: GROUP, namespace: this.namespace, name },
        (o) =>
          this.client.custom.getNamespacedCustomObject(
            { group: GROUP, version: VERSION, namespace: this.namespace, plural: 'imagestreamtags', name },
            o,
          ),
      )) as ImageStreamTagView;
    } catch (err) {
      if (err instanceof KubeNotFoundError) return 'gone';
      throw err;
    }
    const now = current.image?.metadata?.name;
    if (now !== digest)
      return { skipped: `tag moved to ${now ? shortDigest(now) : 'no image'} since it was checked` };
    try {
      await deleteImageStreamTag(this.client, this.stream, tag, this.namespace);
    } catch (err) {
      if (err instanceof KubeNotFoundError) return 'gone';
      throw err;
    }
    return 'done';
  }

  deleteManifest(digest: string): Promise<'done' | 'gone'> {
    // The planner never deletes images of image streams (tagsOnly); reaching this is a bug, not a plan.
    return Promise.reject(new Error(`refusing to delete image ${digest}: image streams only lose tags`));
  }
}
