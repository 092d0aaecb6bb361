import { GateError } from '../errors.js';
import { readArtifactLayer, type Descriptor, type Reference, type RegistryClient } from '../oci/index.js';
import { SCAN_REPORT_ARTIFACT_TYPE } from '../scan/report.js';
import { registryVersions } from '../tags/versions.js';
import { newestReferrer } from './record.js';
import { parseVerdict } from './verdict.js';

const BATCH = 8;

/**
 * A semver tag of the repository that points at `digest`, highest version first: the proof that the image
 * is a release and not an arbitrary build. HEADs go in small batches and stop at the first batch that finds
 * one, since the promoted image is usually among the newest versions.
 */
export async function findVersionTag(
  client: RegistryClient,
  repository: Reference,
  digest: string,
): Promise<string | undefined> {
  const tags = await client.listTags(repository);
  const candidates = registryVersions(tags).map((v) => v.raw);
  for (let i = 0; i < candidates.length; i += BATCH) {
    const batch = candidates.slice(i, i + BATCH);
    const found = await Promise.all(
      batch.map(async (tag) =>
        (await client.exists(repository.withTag(tag)))?.digest === digest ? tag : undefined,
      ),
    );
    const hit = found.find((t) => t !== undefined);
    if (hit) return hit;
  }
  return undefined;
}

export interface ScanCheck {
  verdict: 'pass';
  report: string;
}

/** The newest scan report attached to `subject` must say pass; a missing or failing one stops the promotion. */
export async function requireScanPass(
  client: RegistryClient,
  repository: Reference,
  subject: Descriptor,
): Promise<ScanCheck> {
  const reports = await client.referrers(repository, subject.digest, SCAN_REPORT_ARTIFACT_TYPE);
  const newest = newestReferrer(reports);
  if (!newest)
    throw new GateError(
      `${repository.context()}@${subject.digest} has no scan report (${SCAN_REPORT_ARTIFACT_TYPE}); scan it before promoting`,
    );
  const verdict = parseVerdict(await readArtifactLayer(client, repository, newest));
  if (verdict === undefined)
    throw new GateError(
      `scan report ${newest.digest} of ${subject.digest} has no "verdict" of "pass" or "fail"`,
    );
  if (verdict !== 'pass')
    throw new GateError(`scan report ${newest.digest} of ${subject.digest} says "${verdict}"; not promoting`);
  return { verdict, report: newest.digest };
}
