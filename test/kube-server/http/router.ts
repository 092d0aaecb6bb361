import { findResource, RESOURCES, type ResourceType } from '../resources.js';

export interface ResourceRequest {
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * Maps a URL path to the resource it names:
 * /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] and /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUB]].
 * undefined for paths that name no resource we serve.
 */
export function routeResource(path: string): ResourceRequest | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  // /namespaces/NS/PLURAL... names a namespaced resource unless PLURAL is not one (then it is a namespace subresource).
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const resource = findResource(group, version, rest[2] as string);
    if (resource?.namespaced) {
      if (rest.length > 5) return undefined;
      return { resource, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const resource = findResource(group, version, rest[0] as string);
  if (!resource || rest.length > 3) return undefined;
  return { resource, name: rest[1], subresource: rest[2] };
}

export interface GroupVersion {
  group: string;
  version: string;
}

export function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}
