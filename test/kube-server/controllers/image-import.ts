import type { Api } from '../api.js';
import { PullError, type DockerConfigJson, type ImagePuller, type PulledImage } from '../kubelet/puller.js';
import type { ImageStream, NamedTagEventList, Secret, TagReference } from '../model.js';
import { resourceByKind } from '../resources.js';
import { timestamp } from '../store.js';

const STREAMS = resourceByKind('ImageStream');
const IMAGES = resourceByKind('Image');
const SECRETS = resourceByKind('Secret');

interface Outcome {
  image?: PulledImage;
  error?: PullError | Error;
}

function dockerConfigs(api: Api, namespace: string): DockerConfigJson[] {
  const out: DockerConfigJson[] = [];
  for (const secret of api.store.list(SECRETS, namespace) as Secret[]) {
    const data =
      secret.type === 'kubernetes.io/dockerconfigjson'
        ? secret.data?.['.dockerconfigjson']
        : secret.type === 'kubernetes.io/dockercfg'
          ? secret.data?.['.dockercfg']
          : undefined;
    if (!data) continue;
    try {
      const parsed = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>;
      out.push(secret.type === 'kubernetes.io/dockercfg' ? { auths: parsed } : (parsed as DockerConfigJson));
    } catch {
      // Not a usable docker config: the importer skips it, as OpenShift's does.
    }
  }
  return out;
}

/**
 * OpenShift's image importer for image stream spec tags: a `DockerImage` tag whose generation is newer than
 * its status is imported from the registry (with the namespace's docker config secrets); success records an
 * Image and a new tag event, failure an ImportSuccess=False condition. `ImageStreamTag` tags follow another
 * tag of the same stream, and `reference: true` tags are recorded without importing.
 */
export class ImageImporter {
  private readonly pending = new Map<string, Outcome | 'running'>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly api: Api,
    private readonly puller: ImagePuller,
  ) {}

  sync(): void {
    for (const stream of this.api.store.list(STREAMS) as ImageStream[]) this.syncStream(stream);
  }

  private syncStream(stream: ImageStream): void {
    let changed = false;
    const status = { ...stream.status, tags: [...(stream.status?.tags ?? [])] };
    const now = timestamp(this.api.store.now());
    for (const tag of stream.spec.tags ?? []) {
      const generation = tag.generation ?? 0;
      const events = status.tags.find((t) => t.tag === tag.name);
      const seen = Math.max(
        events?.items?.[0]?.generation ?? -1,
        ...(events?.conditions ?? []).map((c) => c.generation),
      );
      if (seen >= generation || !tag.from) continue;
      // OpenShift keeps tags in a map internally, so the v1 lists come out sorted by tag name.
      const record = (next: NamedTagEventList) => {
        status.tags = [...status.tags.filter((t) => t.tag !== tag.name), next].sort((a, b) =>
          a.tag.localeCompare(b.tag),
        );
        changed = true;
      };
      if (tag.from.kind === 'ImageStreamTag') {
        const source = tag.from.name.includes(':') ? tag.from.name.split(':')[1] : tag.from.name;
        const latest = status.tags.find((t) => t.tag === source)?.items?.[0];
        if (latest)
          record({
            tag: tag.name,
            items: [{ ...latest, created: now, generation }, ...(events?.items ?? [])],
          });
        continue;
      }
      if (tag.from.kind !== 'DockerImage') continue;
      if (tag.reference) {
        record({
          tag: tag.name,
          items: [
            { created: now, dockerImageReference: tag.from.name, image: '', generation },
            ...(events?.items ?? []),
          ],
        });
        continue;
      }
      const outcome = this.importOutcome(stream, tag, generation);
      if (!outcome) continue;
      if (outcome.image) {
        const image = this.recordImage(outcome.image, now);
        record({
          tag: tag.name,
          items: [
            { created: now, dockerImageReference: image, image: outcome.image.manifestDigest, generation },
            ...(events?.items ?? []),
          ],
        });
      } else {
        const failure = outcome.error instanceof PullError ? outcome.error.failure : 'other';
        const message =
          failure === 'not-found'
            ? `dockerimage.image.openshift.io "${tag.from.name}" not found`
            : failure === 'unauthorized'
              ? `you may not have access to the container image "${tag.from.name}"`
              : `Internal error occurred: ${outcome.error?.message ?? 'import failed'}`;
        const reason =
          failure === 'not-found'
            ? 'NotFound'
            : failure === 'unauthorized'
              ? 'Unauthorized'
              : 'InternalError';
        record({
          tag: tag.name,
          items: events?.items ?? null,
          conditions: [
            { type: 'ImportSuccess', status: 'False', lastTransitionTime: now, reason, message, generation },
          ],
        });
      }
    }
    if (changed) this.api.writeStatus(STREAMS, { ...stream, status });
  }

  /** Starts the import on first sight; hands back its outcome once, on a later sync. */
  private importOutcome(stream: ImageStream, tag: TagReference, generation: number): Outcome | undefined {
    const key = `${stream.metadata.uid}/${tag.name}/${generation}`;
    const state = this.pending.get(key);
    if (state === 'running') return undefined;
    if (state) {
      this.pending.delete(key);
      return state;
    }
    this.pending.set(key, 'running');
    const configs = dockerConfigs(this.api, stream.metadata.namespace as string);
    const pull: Promise<void> = this.puller.pull(tag.from?.name ?? '', configs).then(
      (image) => void this.pending.set(key, { image }),
      (error: Error) => void this.pending.set(key, { error }),
    );
    this.running.add(pull);
    void pull.finally(() => this.running.delete(pull));
    return undefined;
  }

  /** Resolves once no import is in flight (for a clean stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  /** The cluster-scoped Image for the pulled manifest; returns its pull spec by digest. */
  private recordImage(pulled: PulledImage, created: string): string {
    const name = pulled.manifestDigest;
    const reference = `${pulled.reference.context()}@${name}`;
    if (!this.api.store.get(IMAGES, undefined, name)) {
      this.api.create(IMAGES, undefined, {
        apiVersion: 'image.openshift.io/v1',
        kind: 'Image',
        metadata: { name, annotations: { 'image.openshift.io/dockerLayersOrder': 'ascending' } },
        dockerImageReference: reference,
        dockerImageMetadataVersion: '1.0',
        dockerImageManifestMediaType: pulled.manifestMediaType,
        dockerImageMetadata: {
          kind: 'DockerImage',
          apiVersion: 'image.openshift.io/1.0',
          Id: name,
          Created: pulled.config.created ?? created,
          Architecture: pulled.config.architecture ?? 'amd64',
          Size: pulled.size,
        },
        dockerImageLayers: pulled.layers.map((l) => ({
          name: l.digest,
          size: l.size,
          mediaType: l.mediaType,
        })),
      });
    }
    return reference;
  }
}
