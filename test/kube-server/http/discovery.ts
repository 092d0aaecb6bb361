import { apiVersionOf, RESOURCES } from '../resources.js';
import { groupVersions } from './router.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0+image-lifecycle-test-server',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'n/a',
  compiler: 'n/a',
  platform: 'linux/amd64',
};

/** The legacy discovery documents client-node and kubectl read: /api, /apis, /apis/GROUP, and resource lists. */
export function discovery(path: string, serverAddress: string): unknown {
  const parts = path.split('/').filter(Boolean);
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  const groups = groupVersions().filter((gv) => gv.group !== '');
  const groupDoc = (name: string) => {
    const versions = groups
      .filter((g) => g.group === name)
      .map((g) => ({ groupVersion: `${g.group}/${g.version}`, version: g.version }));
    return { name, versions, preferredVersion: versions[0] };
  };
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...new Set(groups.map((g) => g.group))].map(groupDoc),
    };
  }
  if (parts[0] === 'apis' && parts.length === 2 && groups.some((g) => g.group === parts[1])) {
    return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(parts[1] as string) };
  }
  const [group, version] =
    parts[0] === 'api' && parts.length === 2
      ? ['', parts[1]]
      : parts[0] === 'apis' && parts.length === 3
        ? [parts[1], parts[2]]
        : [];
  const inVersion = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (inVersion.length === 0) return undefined;
  const resources = inVersion.flatMap((r) => [
    {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    },
    ...r.subresources.map((sub) =>
      sub === 'scale'
        ? {
            name: `${r.plural}/scale`,
            singularName: '',
            namespaced: r.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          }
        : {
            name: `${r.plural}/status`,
            singularName: '',
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['get', 'patch', 'update'],
          },
    ),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group: group as string, version: version as string }),
    resources,
  };
}
