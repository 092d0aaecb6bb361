import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, buildIndex, type BuiltManifest, type Descriptor } from '../../helpers/image-content.js';
import type { Seeder } from '../../helpers/seed.js';
import { tarArchive } from '../../helpers/tar.js';

/** What must be true after retention ran: exactly these tags (tag → digest), these digests there, those gone. */
export interface Expectation {
  tags: Record<string, string>;
  present: string[];
  absent: string[];
}

export interface Scenario {
  name: string;
  repository: string;
  policy: string;
  seed(seeder: Seeder): Promise<Expectation>;
}

export const OLD = '2024-01-01T00:00:00Z';
export const young = (): string => new Date(Date.now() - 2 * 86_400_000).toISOString();

export const ADR_POLICY = `
name: scenarios
keep:
  newest: 10
  youngerThan: 30d
  tags: [prod, staging, latest, stable]
  tagPatterns: ["prod-*"]
`;

/** A distinct image: its own layer, so its own digest. */
export function image(
  repo: string,
  name: string,
  created = OLD,
  platform?: { os: string; architecture: string },
): BuiltManifest {
  return buildImage('oci', [tarArchive({ [`etc/${name}`]: `${repo} ${name}\n` })], {
    created,
    ...(platform ?? {}),
  });
}

/** Everything in a repository now: each tag with the digest it names. */
export async function tagsNow(seeder: Seeder, repo: string): Promise<Record<string, string>> {
  const listed = await seeder.http.expect([200, 404], 'GET', `/v2/${repo}/tags/list`, {
    scope: `repository:${repo}:pull`,
  });
  const tags =
    listed.status === 200
      ? ((JSON.parse(listed.body.toString('utf8')) as { tags: string[] | null }).tags ?? [])
      : [];
  const resolved = await inParallel(
    tags.sort(),
    async (tag) => [tag, (await seeder.getManifest(repo, tag))?.digest] as const,
  );
  return Object.fromEntries(resolved.filter((r): r is readonly [string, string] => r[1] !== undefined));
}

export async function present(seeder: Seeder, repo: string, digests: readonly string[]): Promise<string[]> {
  const found = await inParallel(digests, async (d) => ((await seeder.getManifest(repo, d)) ? d : undefined));
  return found.filter((d): d is string => d !== undefined);
}

export async function push(
  seeder: Seeder,
  repo: string,
  reference: string,
  manifest: BuiltManifest,
): Promise<Descriptor> {
  for (const blob of manifest.blobs) await seeder.pushBlob(repo, blob);
  const pushed = await seeder.putRawManifest(repo, reference, manifest.body, manifest.mediaType);
  return { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** Maps a few at a time, keeping the order: seeding and checking hundreds of tags one by one is slow. */
async function inParallel<I, T>(items: readonly I[], fn: (item: I) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      out[at] = await fn(items[at] as I);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}

export const scenarios: Scenario[] = [
  {
    name: '15 semver versions keep the newest 10 plus prod (on an old version, whose own tag goes)',
    repository: 'scenarios/semver',
    policy: ADR_POLICY,
    async seed(seeder) {
      const repo = this.repository;
      const digests: string[] = [];
      for (const i of range(15))
        digests.push((await push(seeder, repo, `1.0.${i}`, image(repo, `v${i}`))).digest);
      await push(seeder, repo, 'prod', image(repo, 'v1'));
      const d = (i: number) => digests[i] as string;
      return {
        tags: { prod: d(1), ...Object.fromEntries(range(10, 5).map((i) => [`1.0.${i}`, d(i)])) },
        present: [d(1)],
        absent: [0, 2, 3, 4].map(d),
      };
    },
  },
  {
    name: 'an old image tagged prod survives, however old',
    repository: 'scenarios/old-prod',
    policy: ADR_POLICY,
    async seed(seeder) {
      const repo = this.repository;
      const ancient = await push(seeder, repo, 'prod', image(repo, 'ancient', '2019-05-01T00:00:00Z'));
      await push(seeder, repo, '0.1.0', image(repo, 'ancient', '2019-05-01T00:00:00Z'));
      const versions: Record<string, string> = {};
      for (const i of range(11))
        versions[`2.0.${i}`] = (await push(seeder, repo, `2.0.${i}`, image(repo, `new${i}`, young()))).digest;
      return { tags: { prod: ancient.digest, ...versions }, present: [ancient.digest], absent: [] };
    },
  },
  {
    name: 'a digest shared by a doomed 1.0.0 and a kept stable keeps its digest and stable',
    repository: 'scenarios/shared',
    policy: ADR_POLICY,
    async seed(seeder) {
      const repo = this.repository;
      const shared = await push(seeder, repo, '1.0.0', image(repo, 'shared'));
      await push(seeder, repo, 'stable', image(repo, 'shared'));
      const versions: Record<string, string> = {};
      for (const i of range(10, 1))
        versions[`1.0.${i}`] = (await push(seeder, repo, `1.0.${i}`, image(repo, `v${i}`))).digest;
      return { tags: { stable: shared.digest, ...versions }, present: [shared.digest], absent: [] };
    },
  },
  {
    name: 'a two-platform index keeps its untagged children; a deleted index takes its children',
    repository: 'scenarios/multiarch',
    policy: 'name: scenarios\nkeep: {youngerThan: 30d}',
    async seed(seeder) {
      const repo = this.repository;
      const platforms = [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ];
      const index = async (tag: string, created: string) => {
        const children: Descriptor[] = [];
        for (const p of platforms) {
          const child = image(repo, `${tag}-${p.architecture}`, created, p);
          children.push({ ...(await push(seeder, repo, child.digest, child)), platform: p });
        }
        return {
          index: await push(seeder, repo, tag, buildIndex('oci', children)),
          children: children.map((c) => c.digest),
        };
      };
      const kept = await index('2.0.0', young());
      const gone = await index('1.0.0', OLD);
      return {
        tags: { '2.0.0': kept.index.digest },
        present: kept.children,
        absent: [gone.index.digest, ...gone.children],
      };
    },
  },
  {
    name: 'signatures and OCI referrers of a kept image survive; those of a deleted image go',
    repository: 'scenarios/signed',
    policy: 'name: scenarios\nkeep: {youngerThan: 30d}',
    async seed(seeder) {
      const repo = this.repository;
      const kept = await push(seeder, repo, '1.1.0', image(repo, 'kept', young()));
      const gone = await push(seeder, repo, '1.0.0', image(repo, 'gone'));
      const attach = async (subject: Descriptor) => {
        const sigTag = `${subject.digest.replace(':', '-')}.sig`;
        const signature = buildImage('oci', [
          tarArchive({
            'signature.json': `{"critical":{"image":{"docker-manifest-digest":"${subject.digest}"}}}`,
          }),
        ]);
        const sig = await push(seeder, repo, sigTag, signature);
        const referrer = await seeder.pushArtifactReferrer({
          repo,
          subject,
          artifactType: 'application/spdx+json',
          payload: { mediaType: 'application/spdx+json', bytes: Buffer.from(`{"sbom":"${subject.digest}"}`) },
          fallbackTag: true,
        });
        const fallback = await seeder.getManifest(repo, referrer.fallbackTag as string);
        return {
          sigTag,
          sig: sig.digest,
          referrer: referrer.digest,
          fallbackTag: referrer.fallbackTag as string,
          fallback: fallback?.digest as string,
        };
      };
      const k = await attach(kept);
      const g = await attach(gone);
      return {
        tags: { '1.1.0': kept.digest, [k.sigTag]: k.sig, [k.fallbackTag]: k.fallback },
        present: [kept.digest, k.sig, k.referrer, k.fallback],
        absent: [gone.digest, g.sig, g.referrer, g.fallback],
      };
    },
  },
  {
    name: '250 tags: every tag is listed and ranked, the newest 10 stay',
    repository: 'scenarios/many',
    policy: 'name: scenarios\nkeep: {newest: 10}',
    async seed(seeder) {
      const repo = this.repository;
      const digests = await inParallel(range(250, 1), (i) =>
        push(seeder, repo, `0.0.${i}`, image(repo, `v${i}`)).then((d) => d.digest),
      );
      return {
        tags: Object.fromEntries(range(10, 241).map((i) => [`0.0.${i}`, digests[i - 1] as string])),
        present: digests.slice(240),
        absent: digests.slice(0, 240),
      };
    },
  },
];

export function writePolicy(dir: string, scenario: Pick<Scenario, 'policy' | 'repository'>): string {
  const path = join(dir, `${scenario.repository.replace('/', '-')}.yaml`);
  writeFileSync(path, scenario.policy);
  return path;
}
