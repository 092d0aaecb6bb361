import { UsageError } from '../errors.js';
import type { KubeClient } from './client.js';
import type { KubeAction } from './errors.js';

/** image.openshift.io/v1 ImageStream and ImageStreamTag, the fields the steps use. */
export interface TagReference {
  name: string;
  from?: { kind: string; name: string; namespace?: string };
  reference?: boolean;
  generation?: number | null;
  annotations?: Record<string, string> | null;
}

export interface TagEvent {
  created: string;
  dockerImageReference: string;
  image: string;
  generation: number;
}

export interface ImageStream {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec: { lookupPolicy?: { local: boolean }; tags?: TagReference[] };
  status?: {
    dockerImageRepository?: string;
    publicDockerImageRepository?: string;
    tags?: Array<{
      tag: string;
      items: TagEvent[] | null;
      conditions?: Array<{
        type: string;
        status: string;
        reason?: string;
        message?: string;
        generation: number;
      }>;
    }>;
  };
}

export interface ImageStreamTag {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; creationTimestamp?: string };
  tag: TagReference | null;
  generation: number;
  image: {
    metadata?: { name?: string };
    dockerImageReference?: string;
    dockerImageManifestMediaType?: string;
  };
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

const GROUP = 'image.openshift.io';
const VERSION = 'v1';
const action = (
  verb: KubeAction['verb'],
  resource: string,
  namespace: string,
  name?: string,
): KubeAction => ({ verb, resource, group: GROUP, namespace, name });

/** `stream:tag`, the name of an ImageStreamTag. */
export function imageStreamTagName(stream: string, tag: string): string {
  if (!stream || stream.includes(':')) throw new UsageError(`image stream name "${stream}" is not valid`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag))
    throw new UsageError(`image stream tag "${tag}" is not a valid tag`);
  return `${stream}:${tag}`;
}

export function getImageStream(
  client: KubeClient,
  name: string,
  namespace = client.namespace,
): Promise<ImageStream> {
  return client.call(action('get', 'imagestreams', namespace, name), (o) =>
    client.custom.getNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'imagestreams', name },
      o,
    ),
  ) as Promise<ImageStream>;
}

/** The namespace's image stream tags, or one stream's when `stream` is given. */
export async function listImageStreamTags(
  client: KubeClient,
  options: { stream?: string; namespace?: string } = {},
): Promise<ImageStreamTag[]> {
  const namespace = options.namespace ?? client.namespace;
  const list = (await client.call(action('list', 'imagestreamtags', namespace), (o) =>
    client.custom.listNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'imagestreamtags' },
      o,
    ),
  )) as { items?: ImageStreamTag[] };
  const items = list.items ?? [];
  return options.stream ? items.filter((t) => t.metadata.name?.startsWith(`${options.stream}:`)) : items;
}

/** Removes the tag from its stream (spec and history), as `oc tag -d` does. */
export async function deleteImageStreamTag(
  client: KubeClient,
  stream: string,
  tag: string,
  namespace = client.namespace,
): Promise<void> {
  const name = imageStreamTagName(stream, tag);
  await client.call(action('delete', 'imagestreamtags', namespace, name), (o) =>
    client.custom.deleteNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'imagestreamtags', name },
      o,
    ),
  );
}
