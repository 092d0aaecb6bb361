import type { Credentials } from './credentials.js';
import { createSeeder } from './seed.js';

/** Every repository of the catalog, each tag, and the digest it points at. */
export type RegistryState = Record<string, Record<string, string>>;

/**
 * Reads a whole (small) registry with the seeder's plain HTTP, not the client under test, so that a test can
 * compare before and after and see any tag added, moved or removed anywhere.
 */
export async function registryState(
  registry: { url: string },
  credentials?: Credentials,
): Promise<RegistryState> {
  const { http } = createSeeder(registry, credentials);
  const catalog = await http.expect([200], 'GET', '/v2/_catalog?n=1000', { scope: 'registry:catalog:*' });
  const repositories =
    (JSON.parse(catalog.body.toString('utf8')) as { repositories?: string[] | null }).repositories ?? [];
  const state: RegistryState = {};
  for (const repo of [...repositories].sort()) {
    const scope = `repository:${repo}:pull`;
    const listed = await http.request('GET', `/v2/${repo}/tags/list?n=1000`, { scope });
    const tags =
      listed.status === 200
        ? ((JSON.parse(listed.body.toString('utf8')) as { tags?: string[] | null }).tags ?? [])
        : [];
    state[repo] = {};
    for (const tag of [...tags].sort()) {
      const head = await http.request('HEAD', `/v2/${repo}/manifests/${tag}`, {
        scope,
        headers: {
          accept: [
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.oci.image.index.v1+json',
            'application/vnd.docker.distribution.manifest.v2+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
          ].join(', '),
        },
      });
      state[repo][tag] = head.headers.get('docker-content-digest') ?? `HTTP ${head.status}`;
    }
  }
  return state;
}
