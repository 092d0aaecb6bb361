import fc from 'fast-check';
import { ReachabilityGraph } from '../../../steps/lib/retention/graph.js';
import { emptyInUse, type RepositoryInventory } from '../../../steps/lib/retention/model.js';
import { planRepository } from '../../../steps/lib/retention/planner.js';
import { parseRetentionPolicy } from '../../../steps/lib/retention/policy.js';
import { attachmentOf } from '../../../steps/lib/retention/tags.js';
import { daysAgo, inUse, NOW, RepoBuilder } from './inventory-builder.js';

/** A random repository: images, indexes over them, tags (some shared), signatures and referrers. */
const repository = fc
  .record({
    images: fc.array(fc.record({ age: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 12,
    }),
    indexes: fc.array(fc.array(fc.nat(), { minLength: 0, maxLength: 3 }), { maxLength: 4 }),
    tags: fc.array(
      fc.tuple(
        fc.constantFrom(
          '1.0.0',
          '1.1.0',
          '2.0.0',
          '0.9.1',
          'prod',
          'latest',
          'sha-a',
          'sha-b',
          'nightly',
          'stable',
        ),
        fc.nat(),
      ),
      { maxLength: 12 },
    ),
    signatures: fc.array(fc.tuple(fc.nat(), fc.constantFrom('sig', 'att', 'sbom', '')), { maxLength: 5 }),
    referrers: fc.array(fc.nat(), { maxLength: 4 }),
    used: fc.array(fc.nat(), { maxLength: 2 }),
  })
  .map((spec) => {
    const repo = new RepoBuilder();
    const digests = spec.images.map((i) =>
      repo.image(i.age === undefined ? {} : { created: daysAgo(i.age) }),
    );
    spec.indexes.forEach((children) =>
      digests.push(repo.index(children.map((c) => digests[c % digests.length] as string))),
    );
    const pick = (n: number) => digests[n % digests.length] as string;
    for (const [tag, n] of spec.tags) repo.tag(tag, pick(n));
    for (const [n, suffix] of spec.signatures)
      repo.tag(`${pick(n).replace(':', '-')}${suffix ? `.${suffix}` : ''}`, repo.image({}));
    for (const n of spec.referrers) repo.image({ subject: pick(n), artifactType: 'application/spdx+json' });
    const inv = repo.build();
    // Referrers pushed without a fallback tag are only found through a referrers API.
    for (const info of inv.manifests.values()) {
      if (info.subject)
        inv.referrers.set(info.subject, [...(inv.referrers.get(info.subject) ?? []), info.digest]);
    }
    return { inv, used: spec.used.map(pick) };
  });

const policies = fc.constantFrom(
  'keep: {newest: 2, youngerThan: 30d, tags: [prod]}',
  'keep: {newest: 1}',
  'keep: {youngerThan: 30d}\nage: {unknown: old}',
  'keep: {tags: [stable]}\ndelete: {untagged: false}',
  'keep: {newest: 3, tagPatterns: ["sha-*"]}\ndelete: {tagPatterns: ["*"], orphanedAttachments: true}',
);

function tagsOn(inv: RepositoryInventory, digest: string): string[] {
  return [...inv.tags].filter(([, d]) => d === digest).map(([t]) => t);
}

describe('planner invariants over random repositories', () => {
  test('nothing a kept tag or an image in use reaches is deleted, and no tag that stays loses its digest', () => {
    let deletions = 0;
    let untags = 0;
    fc.assert(
      fc.property(repository, policies, ({ inv, used }, policyText) => {
        const policy = parseRetentionPolicy(policyText, 'p.yaml');
        const usedIndex = inUse({
          digests: used.map((d) => [inv.repository, d, 'Pod x'] as [string, string, string]),
        });
        const r = planRepository(inv, policy, usedIndex, NOW);
        deletions += r.deleted.size;
        untags += r.decisions.filter((d) => d.action === 'untag').length;
        const graph = new ReachabilityGraph(inv);
        const keptTags = r.decisions.filter((d) => d.tag !== null && d.action === 'keep');
        const protectedDigests = graph.closure(
          new Map([
            ...keptTags.map((d) => [d.digest, 'kept'] as [string, string]),
            ...used.map((d) => [d, 'used'] as [string, string]),
          ]),
        );
        for (const digest of protectedDigests.keys()) expect(r.deleted.has(digest)).toBe(false);
        for (const d of r.decisions) {
          expect(d.reasons.length).toBeGreaterThan(0);
          if (d.action === 'untag') expect(r.deleted.has(d.digest)).toBe(false);
          if (d.action === 'delete') expect(r.deleted.has(d.digest)).toBe(true);
        }
        // Deleting a digest deletes every tag on it: each of those must have been meant to go.
        for (const digest of r.deleted.keys()) {
          for (const tag of tagsOn(inv, digest))
            expect(r.decisions.find((d) => d.tag === tag)?.action).toBe('delete');
        }
        // Every tag gets exactly one decision.
        expect(
          r.decisions
            .filter((d) => d.tag !== null)
            .map((d) => d.tag)
            .sort(),
        ).toEqual([...inv.tags.keys()].sort());
      }),
      { numRuns: 300 },
    );
    // The generator must exercise both ways a tag goes, or the properties above prove little.
    expect(deletions).toBeGreaterThan(100);
    expect(untags).toBeGreaterThan(20);
  });

  test('deletion never orphans: a deleted subject takes its referrers and attachment tags with it', () => {
    fc.assert(
      fc.property(repository, policies, ({ inv }, policyText) => {
        const r = planRepository(inv, parseRetentionPolicy(policyText, 'p.yaml'), emptyInUse(), NOW);
        for (const info of inv.manifests.values()) {
          if (info.subject && r.deleted.has(info.subject)) expect(r.deleted.has(info.digest)).toBe(true);
        }
        for (const [tag, digest] of inv.tags) {
          const attachment = attachmentOf(tag);
          if (attachment && r.deleted.has(attachment.subject))
            expect(r.decisions.find((d) => d.tag === tag)?.action).not.toBe('keep');
          if (attachment && r.kept.has(attachment.subject)) expect(r.deleted.has(digest)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
