import { mapLimit } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import { readArtifactLayer, type Reference, type RegistryClient } from '../oci/index.js';
import type { Descriptor, ImageConfig } from '../oci/types.js';
import { readReport, SCAN_REPORT_ARTIFACT_TYPE } from '../scan/report.js';
import type { Logger } from '../tekton/log.js';
import type { ImageRecord } from './assess.js';

const CONCURRENCY = 8;
const CREATED = 'org.opencontainers.image.created';
// Tags that are not images: the referrers fallback index (sha256-<hex>) and cosign's signatures and
// attestations beside it (sha256-<hex>.sig, .att, .sbom).
const NOT_AN_IMAGE = /^sha256-[0-9a-f]{64}(\..+)?$/;

/**
 * Every tagged image of a repository, one record per digest with all its tags, the latest scan report
 * attached to it (found through its referrers) and when it was built.
 */
export async function collectRepository(
  client: RegistryClient,
  repo: Reference,
  log: Logger,
): Promise<ImageRecord[]> {
  const tags = (await client.listTags(repo)).filter((t) => !NOT_AN_IMAGE.test(t));
  const resolved = await mapLimit(tags, CONCURRENCY, async (tag) => ({
    tag,
    digest: (await client.resolve(repo.withTag(tag))).digest,
  }));
  const byDigest = new Map<string, string[]>();
  for (const { tag, digest } of resolved) byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  log.info(`${repo.context()}: ${tags.length} tags on ${byDigest.size} images`);
  return mapLimit([...byDigest], CONCURRENCY, async ([digest, imageTags]) => ({
    repository: repo.context(),
    digest,
    tags: imageTags,
    created: await imageCreated(client, repo, digest),
    scan: await latestScan(client, repo, digest, log),
  }));
}

async function latestScan(
  client: RegistryClient,
  repo: Reference,
  digest: string,
  log: Logger,
): Promise<ImageRecord['scan']> {
  const reports = await client.referrers(repo, digest, SCAN_REPORT_ARTIFACT_TYPE);
  if (reports.length === 0) return undefined;
  // The annotation saves downloading every report; ISO timestamps sort as text.
  const latest = [...reports].sort((a, b) => created(b).localeCompare(created(a)))[0] as Descriptor;
  const source = `${repo.context()}@${latest.digest}`;
  try {
    const text = (await readArtifactLayer(client, repo, latest, SCAN_REPORT_ARTIFACT_TYPE)).toString('utf8');
    return { report: readReport(text, source), referrer: latest.digest, reportsFound: reports.length };
  } catch (err) {
    // A damaged report vouches for nothing: the image counts as unscanned, and the log says why.
    log.warn(
      `scan report ${source} of ${repo.context()}@${digest} is unreadable, counting the image as unscanned: ${errorMessage(err)}`,
    );
    return undefined;
  }
}

function created(d: Descriptor): string {
  return d.annotations?.[CREATED] ?? '';
}

/** The build time from the image config; for an index, from its first image. */
async function imageCreated(
  client: RegistryClient,
  repo: Reference,
  digest: string,
): Promise<string | undefined> {
  let { manifest } = await client.getManifest(repo.withDigest(digest));
  if ('manifests' in manifest) {
    const first = manifest.manifests[0];
    if (!first) return undefined;
    ({ manifest } = await client.getManifest(repo.withDigest(first.digest)));
  }
  if (!('config' in manifest)) return undefined;
  const blob = await client.getBlob(repo, manifest.config.digest);
  let config: ImageConfig;
  try {
    config = JSON.parse(blob.toString('utf8')) as ImageConfig;
  } catch {
    // A config that is not JSON (some artifacts) has no build time to report.
    return undefined;
  }
  return config.created && !Number.isNaN(Date.parse(config.created))
    ? new Date(config.created).toISOString()
    : undefined;
}
