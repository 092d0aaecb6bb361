import { createHash } from 'node:crypto';
import type { Credentials } from '../../helpers/credentials.js';
import { createSeeder } from '../../helpers/seed.js';

/** Every tag of each repository and the digest it points at, read with the seeder's plain HTTP (not the client under test). */
export type Snapshot = Record<string, Record<string, string>>;

export async function snapshot(
  registry: { url: string },
  repositories: readonly string[],
  credentials?: Credentials,
): Promise<Snapshot> {
  const seeder = createSeeder(registry, credentials);
  const http = seeder.http;
  const out: Snapshot = {};
  for (const repo of repositories) {
    const listed = await http.request('GET', `/v2/${repo}/tags/list`, { scope: `repository:${repo}:pull` });
    const tags =
      listed.status === 200
        ? ((JSON.parse(listed.body.toString('utf8')) as { tags?: string[] | null }).tags ?? [])
        : [];
    out[repo] = {};
    for (const tag of tags.sort()) {
      const m = await seeder.getManifest(repo, tag);
      if (m) out[repo][tag] = m.digest;
    }
  }
  return out;
}

/**
 * Pulls everything a manifest references, down through index children, checking each body's sha256: the
 * proof that an image restored somewhere is whole. Returns the number of blobs pulled.
 */
export async function pullAll(
  registry: { url: string },
  repo: string,
  digest: string,
  credentials?: Credentials,
  seen = new Set<string>(),
): Promise<number> {
  const seeder = createSeeder(registry, credentials);
  if (seen.has(digest)) return 0;
  seen.add(digest);
  const m = await seeder.getManifest(repo, digest);
  if (!m) throw new Error(`${repo}@${digest}: manifest missing`);
  if (sha256(m.body) !== digest)
    throw new Error(`${repo}@${digest}: manifest body has digest ${sha256(m.body)}`);
  const doc = JSON.parse(m.body.toString('utf8')) as {
    manifests?: Array<{ digest: string }>;
    config?: { digest: string };
    layers?: Array<{ digest: string }>;
  };
  let blobs = 0;
  for (const child of doc.manifests ?? [])
    blobs += await pullAll(registry, repo, child.digest, credentials, seen);
  for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
    if (seen.has(blob.digest)) continue;
    seen.add(blob.digest);
    const res = await seeder.http.request('GET', `/v2/${repo}/blobs/${blob.digest}`, {
      scope: `repository:${repo}:pull`,
    });
    if (res.status !== 200) throw new Error(`${repo} blob ${blob.digest}: HTTP ${res.status}`);
    if (sha256(res.body) !== blob.digest)
      throw new Error(`${repo} blob ${blob.digest}: body has digest ${sha256(res.body)}`);
    blobs++;
  }
  return blobs;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
