import {
  emptyInUse,
  type Decision,
  type InUseIndex,
  type RepositoryInventory,
} from '../../../steps/lib/retention/model.js';
import { planRepository, planRetention } from '../../../steps/lib/retention/planner.js';
import { parseRetentionPolicy, type RetentionPolicy } from '../../../steps/lib/retention/policy.js';
import { daysAgo, fakeDigest, inUse, NOW, RepoBuilder } from './inventory-builder.js';

const ADR = parseRetentionPolicy(
  `
name: adr-0033
keep:
  newest: 10
  youngerThan: 30d
  tags: [prod, staging, latest]
  tagPatterns: ["prod-*"]
`,
  'policy.yaml',
);

function policy(yamlText: string): RetentionPolicy {
  return parseRetentionPolicy(yamlText, 'policy.yaml');
}

function plan(
  inv: RepositoryInventory,
  p: RetentionPolicy = ADR,
  used: InUseIndex = emptyInUse(),
): Decision[] {
  return planRepository(inv, p, used, NOW).decisions;
}

const byTag = (decisions: Decision[], tag: string): Decision => {
  const found = decisions.find((d) => d.tag === tag);
  if (!found) throw new Error(`no decision for tag ${tag}`);
  return found;
};
const byDigest = (decisions: Decision[], digest: string): Decision[] =>
  decisions.filter((d) => d.digest === digest);
const actions = (decisions: Decision[]): Record<string, string> =>
  Object.fromEntries(decisions.filter((d) => d.tag !== null).map((d) => [d.tag as string, d.action]));

describe('keep rules', () => {
  test('15 versions: the 10 highest stay, the 5 lowest go, prod on an old one stays with its digest', () => {
    const repo = new RepoBuilder();
    const digests: string[] = [];
    for (let i = 0; i < 15; i++) {
      digests.push(repo.image({ created: daysAgo(400 - i) }));
      repo.tag(`1.${i}.0`, digests[i] as string);
    }
    repo.tag('prod', digests[1] as string);
    const decisions = plan(repo.build());
    const got = actions(decisions);
    expect(
      Object.entries(got)
        .filter(([, a]) => a === 'keep')
        .map(([t]) => t)
        .sort(),
    ).toEqual(
      [
        '1.10.0',
        '1.11.0',
        '1.12.0',
        '1.13.0',
        '1.14.0',
        '1.5.0',
        '1.6.0',
        '1.7.0',
        '1.8.0',
        '1.9.0',
        'prod',
      ].sort(),
    );
    expect(got['1.0.0']).toBe('delete');
    // 1.1.0 shares its digest with prod: only the tag goes.
    expect(got['1.1.0']).toBe('untag');
    expect(byTag(decisions, '1.1.0').reasons.join(' ')).toMatch(/its manifest stays: tag "prod" \(kept\)/);
    expect(byTag(decisions, '1.0.0').reasons).toEqual([
      'beyond the 10 highest versions (#15)',
      expect.stringMatching(/^created .* \(400 days ago\), older than 30d$/),
    ]);
    expect(byTag(decisions, 'prod').reasons).toContain('tag "prod" is listed in keep.tags');
  });

  test('semver order, not string or creation order, ranks versions (v prefix and prereleases included)', () => {
    const repo = new RepoBuilder();
    const tags = ['1.10.0', '1.9.0', 'v1.2.0', '1.10.0-rc.1', '2.0.0', '0.9.9'];
    // Creation dates deliberately inverted against versions.
    tags.forEach((t, i) => repo.tag(t, repo.image({ created: daysAgo(100 + i) })));
    const got = actions(plan(repo.build(), policy('keep: {newest: 3}')));
    expect(got).toEqual({
      '2.0.0': 'keep',
      '1.10.0': 'keep',
      '1.10.0-rc.1': 'keep',
      '1.9.0': 'delete',
      'v1.2.0': 'delete',
      '0.9.9': 'delete',
    });
  });

  test('non-version tags rank by creation date; unknown dates are kept, or ranked last with age.unknown: old', () => {
    const build = () => {
      const repo = new RepoBuilder();
      repo.tag('sha-aaa', repo.image({ created: daysAgo(50) }));
      repo.tag('sha-bbb', repo.image({ created: daysAgo(40) }));
      repo.tag('sha-ccc', repo.image({ created: daysAgo(60) }));
      repo.tag('sha-epoch', repo.image({ created: '1970-01-01T00:00:00Z' }));
      repo.tag('sha-none', repo.image({}));
      return repo.build();
    };
    const keepUnknown = plan(build(), policy('keep: {newest: 2}'));
    expect(actions(keepUnknown)).toEqual({
      'sha-aaa': 'keep',
      'sha-bbb': 'keep',
      'sha-ccc': 'delete',
      'sha-epoch': 'keep',
      'sha-none': 'keep',
    });
    expect(byTag(keepUnknown, 'sha-epoch').reasons[0]).toMatch(
      /config created is the placeholder date 1970-01-01T00:00:00Z.*cannot be ranked/,
    );
    expect(byTag(keepUnknown, 'sha-none').reasons[0]).toMatch(
      /no config created, org\.opencontainers\.image\.created annotation, org\.opencontainers\.image\.created label/,
    );
    const old = plan(build(), policy('keep: {newest: 3}\nage: {unknown: old}'));
    expect(actions(old)).toEqual({
      'sha-aaa': 'keep',
      'sha-bbb': 'keep',
      'sha-ccc': 'keep',
      'sha-epoch': 'delete',
      'sha-none': 'delete',
    });
  });

  test('youngerThan keeps recent images beyond newest; an unknown age is kept with a reason', () => {
    const repo = new RepoBuilder();
    repo.tag('1.0.0', repo.image({ created: daysAgo(5) }));
    repo.tag('1.1.0', repo.image({ created: daysAgo(45) }));
    repo.tag('1.2.0', repo.image({ dates: { config: '1970-01-01T00:00:00Z' } }));
    repo.tag('1.3.0', repo.image({ created: daysAgo(1) }));
    const decisions = plan(repo.build(), policy('keep: {newest: 1, youngerThan: 30d}'));
    expect(actions(decisions)).toEqual({
      '1.3.0': 'keep',
      '1.2.0': 'keep',
      '1.0.0': 'keep',
      '1.1.0': 'delete',
    });
    expect(byTag(decisions, '1.0.0').reasons).toEqual([
      expect.stringMatching(/\(5 days ago\), younger than 30d$/),
    ]);
    expect(byTag(decisions, '1.1.0').reasons).toEqual([
      'beyond the 1 highest versions (#3)',
      expect.stringMatching(/\(45 days ago\), older than 30d$/),
    ]);
    expect(byTag(decisions, '1.2.0').reasons[0]).toMatch(
      /^creation date unknown \(config created is the placeholder date .*\), so its age cannot be judged \(age.unknown: keep\)$/,
    );
  });

  test('age sources are read in the policy order; an epoch config date falls through to the annotation', () => {
    const repo = new RepoBuilder();
    repo.tag(
      'a',
      repo.image({ dates: { config: '1970-01-01T00:00:00Z', annotation: daysAgo(3), label: daysAgo(300) } }),
    );
    repo.tag('b', repo.image({ dates: { config: daysAgo(300), label: daysAgo(3) } }));
    const configFirst = plan(repo.build(), policy('keep: {youngerThan: 30d}'));
    expect(actions(configFirst)).toEqual({ a: 'keep', b: 'delete' });
    const labelFirst = plan(repo.build(), policy('keep: {youngerThan: 30d}\nage: {sources: [label]}'));
    expect(actions(labelFirst)).toEqual({ a: 'delete', b: 'keep' });
  });

  test('an index takes its annotation date, else the newest of its platform images', () => {
    const repo = new RepoBuilder();
    const amd = repo.image({ created: daysAgo(100), platform: 'linux/amd64' });
    const arm = repo.image({ created: daysAgo(10), platform: 'linux/arm64' });
    repo.tag('multi', repo.index([amd, arm]));
    repo.tag('annotated', repo.index([repo.image({ created: daysAgo(10) })], { annotation: daysAgo(90) }));
    expect(
      actions(plan(repo.build(), policy('keep: {youngerThan: 30d}\nage: {sources: [annotation, config]}'))),
    ).toEqual({ multi: 'keep', annotated: 'delete' });
  });

  test('tags outside delete.tagPatterns are kept; keep patterns win over delete patterns', () => {
    const repo = new RepoBuilder();
    repo.tag('nightly-1', repo.image({ created: daysAgo(90) }));
    repo.tag('feature-x', repo.image({ created: daysAgo(90) }));
    repo.tag('prod-eu', repo.image({ created: daysAgo(900) }));
    const decisions = plan(
      repo.build(),
      policy(
        'keep: {youngerThan: 30d, tagPatterns: ["prod-*"]}\ndelete: {tagPatterns: ["nightly-*", "prod-*"]}',
      ),
    );
    expect(actions(decisions)).toEqual({ 'nightly-1': 'delete', 'feature-x': 'keep', 'prod-eu': 'keep' });
    expect(byTag(decisions, 'feature-x').reasons).toContain('not matched by delete.tagPatterns');
    expect(byTag(decisions, 'prod-eu').reasons[0]).toBe('tag matches keep.tagPatterns "prod-*"');
  });
});

describe('reachability', () => {
  test('a digest shared by a doomed and a kept tag keeps its digest; the doomed tag is untagged', () => {
    const repo = new RepoBuilder();
    const shared = repo.image({ created: daysAgo(400) });
    repo.tag('1.0.0', shared).tag('stable', shared);
    const decisions = plan(repo.build(), policy('keep: {tags: [stable], youngerThan: 30d}'));
    expect(byDigest(decisions, shared).map((d) => [d.tag, d.action])).toEqual([
      ['1.0.0', 'untag'],
      ['stable', 'keep'],
    ]);
    expect(
      planRepository(repo.build(), policy('keep: {tags: [stable], youngerThan: 30d}'), emptyInUse(), NOW)
        .deleted.size,
    ).toBe(0);
  });

  test('the untagged platform images of a kept index stay; those of a deleted index go after it', () => {
    const repo = new RepoBuilder();
    const keptChildren = [
      repo.image({ platform: 'linux/amd64', created: daysAgo(5) }),
      repo.image({ platform: 'linux/arm64', created: daysAgo(5) }),
    ];
    const oldChildren = [
      repo.image({ platform: 'linux/amd64', created: daysAgo(500) }),
      repo.image({ platform: 'linux/arm64', created: daysAgo(500) }),
    ];
    repo.tag('new', repo.index(keptChildren));
    repo.tag('old', repo.index(oldChildren));
    const decisions = plan(repo.build(), policy('keep: {youngerThan: 30d}'));
    for (const child of keptChildren) {
      expect(byDigest(decisions, child)).toEqual([expect.objectContaining({ tag: null, action: 'keep' })]);
    }
    expect(byDigest(decisions, keptChildren[1] as string)[0]?.reasons[0]).toMatch(
      /^listed by index sha256:\w{12} \(linux\/arm64\); reached from tag "new" \(kept\)$/,
    );
    for (const child of oldChildren)
      expect(byDigest(decisions, child)).toEqual([expect.objectContaining({ tag: null, action: 'delete' })]);
  });

  test('a platform image that also has a kept tag of its own stays when its index goes', () => {
    const repo = new RepoBuilder();
    const amd = repo.image({ platform: 'linux/amd64', created: daysAgo(500) });
    const arm = repo.image({ platform: 'linux/arm64', created: daysAgo(500) });
    repo.tag('1.0.0', repo.index([amd, arm]));
    repo.tag('prod-amd64', amd);
    const r = planRepository(
      repo.build(),
      policy('keep: {youngerThan: 30d, tagPatterns: ["prod-*"]}'),
      emptyInUse(),
      NOW,
    );
    expect(actions(r.decisions)).toEqual({ '1.0.0': 'delete', 'prod-amd64': 'keep' });
    expect(r.deleted.has(amd)).toBe(false);
    expect(r.deleted.has(arm)).toBe(true);
  });

  test('nested indexes keep everything below them', () => {
    const repo = new RepoBuilder();
    const leaf = repo.image({ created: daysAgo(500) });
    const inner = repo.index([leaf]);
    repo.tag('prod', repo.index([inner]));
    const decisions = plan(repo.build());
    expect(byDigest(decisions, inner)[0]?.action).toBe('keep');
    expect(byDigest(decisions, leaf)[0]?.action).toBe('keep');
  });

  test('signatures, attestations, SBOM tags and fallback-indexed referrers follow their subject', () => {
    const repo = new RepoBuilder();
    const keptImage = repo.image({ created: daysAgo(1) });
    const oldImage = repo.image({ created: daysAgo(400) });
    repo.tag('1.1.0', keptImage).tag('1.0.0', oldImage);
    const sig = (subject: string, suffix: string) => {
      const d = repo.image({ created: daysAgo(1) });
      repo.tag(`${subject.replace(':', '-')}.${suffix}`, d);
      return d;
    };
    const keptSig = sig(keptImage, 'sig');
    const keptAtt = sig(keptImage, 'att');
    const oldSig = sig(oldImage, 'sig');
    const oldSbom = sig(oldImage, 'sbom');
    const keptReferrer = repo.image({ subject: keptImage, artifactType: 'application/spdx+json' });
    const oldReferrer = repo.image({ subject: oldImage, artifactType: 'application/spdx+json' });
    const keptFallback = repo.fallbackIndex(keptImage, [keptReferrer]);
    const oldFallback = repo.fallbackIndex(oldImage, [oldReferrer]);
    const p = policy('keep: {newest: 1}');
    const r = planRepository(repo.build(), p, emptyInUse(), NOW);
    for (const d of [keptImage, keptSig, keptAtt, keptReferrer, keptFallback])
      expect(r.kept.has(d)).toBe(true);
    for (const d of [oldImage, oldSig, oldSbom, oldReferrer, oldFallback])
      expect(r.deleted.has(d)).toBe(true);
    const sigTag = `${oldImage.replace(':', '-')}.sig`;
    expect(byTag(r.decisions, sigTag)).toEqual(
      expect.objectContaining({
        action: 'delete',
        reasons: [expect.stringMatching(/^signature of sha256:\w{12}, which is deleted$/)],
      }),
    );
    expect(byTag(r.decisions, `${keptImage.replace(':', '-')}.att`).reasons[0]).toMatch(
      /^attestation of sha256:\w{12}, which stays: tag "1.1.0" \(kept\)$/,
    );
    // Signatures are not versions or images: newest: 1 did not rank them.
    expect(r.decisions.filter((d) => d.tag !== null && d.action === 'keep').map((d) => d.tag)).toHaveLength(
      4,
    );
  });

  test('referrers from a referrers API follow their subject', () => {
    const repo = new RepoBuilder();
    const img = repo.image({ created: daysAgo(400) });
    const referrer = repo.image({
      subject: img,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    repo.tag('old', img).apiReferrers(img, [referrer]);
    const r = planRepository(repo.build(), policy('keep: {youngerThan: 30d}'), emptyInUse(), NOW);
    expect(r.deleted.has(referrer)).toBe(true);
    expect(byDigest(r.decisions, referrer)[0]?.reasons[0]).toMatch(
      /^referrer \(application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json\) of sha256:\w{12}; reached from tag "old" \(removed\)$/,
    );
  });

  test('one empty fallback index shared by a kept and a deleted subject is untagged for the deleted one, never deleted', () => {
    const repo = new RepoBuilder();
    const a = repo.image({ created: daysAgo(1) });
    const b = repo.image({ created: daysAgo(400) });
    repo.tag('new', a).tag('old', b);
    const empty = repo.index([], { seed: 'empty' });
    repo.tag(a.replace(':', '-'), empty).tag(b.replace(':', '-'), empty);
    const r = planRepository(repo.build(), policy('keep: {youngerThan: 30d}'), emptyInUse(), NOW);
    expect(byTag(r.decisions, b.replace(':', '-')).action).toBe('untag');
    expect(byTag(r.decisions, a.replace(':', '-')).action).toBe('keep');
    expect(r.deleted.has(empty)).toBe(false);
    expect(r.deleted.has(b)).toBe(true);
  });

  test('a signature kept by a keep rule keeps its subject (keep rules win)', () => {
    const repo = new RepoBuilder();
    const old = repo.image({ created: daysAgo(400) });
    repo.tag('old', old);
    repo.tag(`${old.replace(':', '-')}.sig`, repo.image({}));
    const r = planRepository(
      repo.build(),
      policy('keep: {youngerThan: 30d, tagPatterns: ["*.sig"]}\nage: {unknown: old}'),
      emptyInUse(),
      NOW,
    );
    expect(byTag(r.decisions, 'old').action).toBe('untag');
    expect(r.kept.has(old)).toBe(true);
  });

  test('orphaned attachments are kept unless delete.orphanedAttachments is true', () => {
    const build = () => {
      const repo = new RepoBuilder();
      repo.tag('1.0.0', repo.image({ created: daysAgo(1) }));
      repo.tag(`${fakeDigest('gone').replace(':', '-')}.sig`, repo.image({}));
      return repo.build();
    };
    const orphanTag = `${fakeDigest('gone').replace(':', '-')}.sig`;
    const kept = plan(build(), policy('keep: {newest: 5}'));
    expect(byTag(kept, orphanTag).action).toBe('keep');
    expect(byTag(kept, orphanTag).reasons[0]).toMatch(
      /not in this repository; kept, it may belong to an image stored elsewhere/,
    );
    expect(
      byTag(plan(build(), policy('keep: {newest: 5}\ndelete: {orphanedAttachments: true}')), orphanTag)
        .action,
    ).toBe('delete');
  });

  test('an untagged image found only through its signature tag goes with its signature when old', () => {
    const repo = new RepoBuilder();
    const untagged = repo.image({ created: daysAgo(400) });
    const young = repo.image({ created: daysAgo(2) });
    repo.tag('1.0.0', repo.image({ created: daysAgo(1) }));
    repo.tag(`${untagged.replace(':', '-')}.sig`, repo.image({}));
    repo.tag(`${young.replace(':', '-')}.sig`, repo.image({}));
    const r = planRepository(repo.build(), ADR, emptyInUse(), NOW);
    expect(r.deleted.has(untagged)).toBe(true);
    expect(byTag(r.decisions, `${untagged.replace(':', '-')}.sig`).action).toBe('delete');
    expect(r.kept.has(young)).toBe(true);
    expect(byTag(r.decisions, `${young.replace(':', '-')}.sig`).action).toBe('keep');
  });

  test('delete.untagged: false removes tags but deletes no manifest', () => {
    const repo = new RepoBuilder();
    const child = repo.image({ created: daysAgo(400) });
    const idx = repo.index([child]);
    repo.tag('old', idx).tag(`${idx.replace(':', '-')}.sig`, repo.image({}));
    const r = planRepository(
      repo.build(),
      policy('keep: {youngerThan: 30d}\ndelete: {untagged: false}'),
      emptyInUse(),
      NOW,
    );
    expect(r.deleted.size).toBe(0);
    expect(byTag(r.decisions, 'old')).toEqual(
      expect.objectContaining({
        action: 'untag',
        reasons: expect.arrayContaining(['delete.untagged is false: the manifest stays, untagged']),
      }),
    );
    expect(byTag(r.decisions, `${idx.replace(':', '-')}.sig`).action).toBe('keep');
    expect(byDigest(r.decisions, child)[0]?.action).toBe('keep');
  });

  test('a placeholder left by an interrupted untag is deleted', () => {
    const repo = new RepoBuilder();
    repo.tag('1.0.0', repo.image({ placeholderFor: '1.0.0' }));
    repo.tag('2.0.0', repo.image({ created: daysAgo(1) }));
    const decisions = plan(repo.build(), policy('keep: {newest: 1}\ndelete: {untagged: false}'));
    expect(byTag(decisions, '1.0.0')).toEqual(
      expect.objectContaining({
        action: 'delete',
        reasons: ['placeholder left by an interrupted removal of tag "1.0.0"'],
      }),
    );
  });
});

describe('images in use', () => {
  test('a tag in use stays however old; a digest in use keeps its manifest while its tags go', () => {
    const repo = new RepoBuilder('shop/web');
    const byTagUse = repo.image({ created: daysAgo(900) });
    const byDigestUse = repo.image({ created: daysAgo(900) });
    repo
      .tag('0.1.0', byTagUse)
      .tag('0.2.0', byDigestUse)
      .tag('9.9.9', repo.image({ created: daysAgo(1) }));
    const used = inUse({
      tags: [['shop/web', '0.1.0', 'Deployment shop/web']],
      digests: [['shop/web', byDigestUse, 'Pod shop/web-1']],
    });
    const r = planRepository(repo.build(), policy('keep: {newest: 1}'), used, NOW);
    expect(byTag(r.decisions, '0.1.0')).toEqual(
      expect.objectContaining({ action: 'keep', reasons: ['in use by Deployment shop/web'] }),
    );
    expect(byTag(r.decisions, '0.2.0').action).toBe('untag');
    expect(byTag(r.decisions, '0.2.0').reasons[1]).toBe('its manifest stays: in use by Pod shop/web-1');
    expect(r.deleted.size).toBe(0);
  });

  test('use in another repository protects nothing here', () => {
    const repo = new RepoBuilder('shop/web');
    const old = repo.image({ created: daysAgo(900) });
    repo.tag('0.1.0', old);
    const used = inUse({
      tags: [['shop/api', '0.1.0', 'Deployment shop/api']],
      digests: [['shop/api', old, 'Pod x']],
    });
    expect(actions(plan(repo.build(), policy('keep: {youngerThan: 1d}'), used))).toEqual({
      '0.1.0': 'delete',
    });
  });
});

describe('plan summary', () => {
  test('counts tags, manifests and reclaimable bytes (each blob once; blobs still used elsewhere are not counted)', () => {
    const a = new RepoBuilder('a');
    const sharedLayer = { digest: fakeDigest('shared-layer'), size: 7000 };
    const ownLayer = { digest: fakeDigest('own-layer'), size: 3000 };
    const oldImage = a.image({
      created: daysAgo(400),
      blobs: [{ digest: fakeDigest('cfg-old'), size: 10 }, sharedLayer, ownLayer],
    });
    a.tag('old', oldImage).tag('old-too', oldImage);
    const other = a.image({
      created: daysAgo(400),
      blobs: [{ digest: fakeDigest('cfg-other'), size: 20 }, ownLayer],
    });
    a.tag('other', other);
    const b = new RepoBuilder('b');
    b.tag(
      'new',
      b.image({ created: daysAgo(1), blobs: [{ digest: fakeDigest('cfg-new'), size: 30 }, sharedLayer] }),
    );
    const { plan: out } = planRetention(
      {
        inventories: [a.build(), b.build()],
        policy: policy('keep: {youngerThan: 30d}'),
        inUse: emptyInUse(),
        now: NOW,
      },
      true,
    );
    expect(out.policy).toBe('policy.yaml');
    expect(out.dryRun).toBe(true);
    // Manifests 500 + 500, configs 10 + 20, the own layer once (3000); the shared layer is still used by b:new.
    expect(out.summary).toEqual({
      repositories: 2,
      tagsKept: 1,
      tagsDeleted: 3,
      manifestsDeleted: 2,
      reclaimableBytes: 500 + 500 + 10 + 20 + 3000,
      skipped: 0,
    });
  });

  test('decisions are ordered by tag, then untagged manifests by digest, the same on every run', () => {
    const repo = new RepoBuilder();
    const kids = [repo.image({ created: daysAgo(1) }), repo.image({ created: daysAgo(1) })];
    repo
      .tag('b', repo.index(kids))
      .tag('B', repo.image({ created: daysAgo(1) }))
      .tag('a', repo.image({ created: daysAgo(1) }));
    const decisions = plan(repo.build(), policy('keep: {youngerThan: 30d}'));
    expect(decisions.map((d) => d.tag)).toEqual(['B', 'a', 'b', null, null]);
    expect(decisions.slice(3).map((d) => d.digest)).toEqual([...kids].sort());
  });
});
