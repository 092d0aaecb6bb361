import type { Api, VirtualResource } from './api.js';
import { alreadyExists, conflict, invalid, notFound, success } from './http/status.js';
import { clone } from './json.js';
import type { ImageStream, KubeObject, NamedTagEventList, TagReference } from './model.js';
import { resourceByKind } from './resources.js';
import type { Store } from './store.js';

const STREAMS = resourceByKind('ImageStream');
const TAGS = resourceByKind('ImageStreamTag');
const IMAGES = resourceByKind('Image');

function splitName(name: string): [string, string] {
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) >= 0) {
    throw invalid({ group: TAGS.group, kind: TAGS.kind }, name, [
      {
        type: 'FieldValueInvalid',
        field: 'metadata.name',
        value: name,
        detail: 'must be of the form <stream_name>:<tag>',
      },
    ]);
  }
  return [name.slice(0, colon), name.slice(colon + 1)];
}

/**
 * ImageStreamTags as OpenShift serves them: a view of one tag of an image stream (spec tag plus the newest
 * status event and its Image), stored nowhere itself. Deleting one removes the tag from the stream's spec
 * and status; creating or updating one edits the stream's spec tag and leaves the import to the importer.
 */
export class ImageStreamTags implements VirtualResource {
  constructor(
    private readonly store: Store,
    private readonly api: Api,
  ) {}

  get(namespace: string, name: string): KubeObject {
    const [streamName, tag] = splitName(name);
    const stream = this.store.get(STREAMS, namespace, streamName) as ImageStream | undefined;
    const view = stream && this.view(stream, tag);
    if (!view) throw notFound(TAGS, name);
    return view;
  }

  list(namespace: string | undefined): KubeObject[] {
    return this.store
      .list(STREAMS, namespace)
      .flatMap((s) => ((s as ImageStream).status?.tags ?? []).map((t) => this.view(s as ImageStream, t.tag)))
      .filter((v): v is KubeObject => v !== undefined);
  }

  create(namespace: string, body: KubeObject, dryRun: boolean): KubeObject {
    const name = body.metadata.name ?? '';
    const [streamName, tag] = splitName(name);
    const existing = this.store.get(STREAMS, namespace, streamName) as ImageStream | undefined;
    if (
      existing?.spec.tags?.some((t) => t.name === tag) ||
      existing?.status?.tags?.some((t) => t.tag === tag && t.items?.length)
    ) {
      throw alreadyExists(TAGS, name);
    }
    const stream: ImageStream = existing ?? {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStream',
      metadata: { name: streamName, namespace },
      spec: {},
    };
    stream.spec.tags = [...(stream.spec.tags ?? []), { ...specTagFrom(body), name: tag }];
    const saved = existing
      ? this.api.update(STREAMS, namespace, streamName, stream, { dryRun })
      : this.api.create(STREAMS, namespace, stream, { dryRun });
    return this.view(saved as ImageStream, tag, true) as KubeObject;
  }

  update(namespace: string, name: string, body: KubeObject, dryRun: boolean): KubeObject {
    const [streamName, tag] = splitName(name);
    const stream = this.store.get(STREAMS, namespace, streamName) as ImageStream | undefined;
    if (!stream) throw notFound(TAGS, name);
    const expected = body.metadata.resourceVersion;
    if (expected && expected !== stream.metadata.resourceVersion) throw conflict(TAGS, name);
    const tags = stream.spec.tags ?? [];
    const next = { ...specTagFrom(body), name: tag, generation: 0 };
    const index = tags.findIndex((t) => t.name === tag);
    if (index >= 0) tags[index] = next;
    else tags.push(next);
    stream.spec.tags = tags;
    const saved = this.api.update(STREAMS, namespace, streamName, stream, { dryRun });
    return this.view(saved as ImageStream, tag, true) as KubeObject;
  }

  delete(namespace: string, name: string, dryRun: boolean) {
    const [streamName, tag] = splitName(name);
    const stream = this.store.get(STREAMS, namespace, streamName) as ImageStream | undefined;
    const inSpec = stream?.spec.tags?.some((t) => t.name === tag);
    const inStatus = stream?.status?.tags?.some((t) => t.tag === tag);
    if (!stream || (!inSpec && !inStatus)) throw notFound(TAGS, name);
    stream.spec.tags = (stream.spec.tags ?? []).filter((t) => t.name !== tag);
    if (stream.status) stream.status.tags = (stream.status.tags ?? []).filter((t) => t.tag !== tag);
    // One write for spec and status, as OpenShift's registry does it: the stream update path would keep the status.
    if (!dryRun) this.store.update(STREAMS, stream);
    return success(TAGS, name, stream.metadata.uid ?? '');
  }

  /** The tag as an ImageStreamTag, or undefined when no image was ever recorded for it (a 404 on get). */
  private view(stream: ImageStream, tag: string, allowEmpty = false): KubeObject | undefined {
    const events: NamedTagEventList | undefined = stream.status?.tags?.find((t) => t.tag === tag);
    const latest = events?.items?.[0];
    if (!latest && !allowEmpty) return undefined;
    const specTag = stream.spec.tags?.find((t) => t.name === tag);
    const image = latest
      ? (this.store.get(IMAGES, undefined, latest.image) ?? { metadata: { name: latest.image } })
      : { metadata: {} };
    const { apiVersion: _a, kind: _k, ...imageBody } = clone(image) as KubeObject;
    if (latest) Object.assign(imageBody, { dockerImageReference: latest.dockerImageReference });
    const view: KubeObject = {
      kind: 'ImageStreamTag',
      apiVersion: 'image.openshift.io/v1',
      metadata: {
        name: `${stream.metadata.name}:${tag}`,
        namespace: stream.metadata.namespace,
        uid: stream.metadata.uid,
        resourceVersion: stream.metadata.resourceVersion,
        creationTimestamp: latest?.created ?? stream.metadata.creationTimestamp,
      },
      tag: specTag ? clone(specTag) : null,
      generation: latest?.generation ?? 0,
      lookupPolicy: stream.spec.lookupPolicy ?? { local: false },
      image: imageBody,
    };
    if (events?.conditions?.length) view.conditions = clone(events.conditions);
    return view;
  }
}

function specTagFrom(body: KubeObject): TagReference {
  const tag = (body.tag ?? {}) as TagReference;
  const out: TagReference = {
    name: tag.name ?? '',
    annotations: tag.annotations ?? null,
    referencePolicy: tag.referencePolicy ?? { type: 'Source' },
  };
  if (tag.from) out.from = tag.from;
  if (tag.reference) out.reference = true;
  out.importPolicy = tag.importPolicy ?? { importMode: 'Legacy' };
  return out;
}
