import { emptyInUse, type Decision, type RepositoryInventory } from '../../../steps/lib/retention/model.js';
import { planRepository } from '../../../steps/lib/retention/planner.js';
import { parseRetentionPolicy } from '../../../steps/lib/retention/policy.js';
import { reconcile } from '../../../steps/lib/retention/reconcile.js';
import { daysAgo, inUse, NOW, RepoBuilder } from './inventory-builder.js';

const policy = parseRetentionPolicy('keep: {youngerThan: 30d, tags: [stable]}', 'p.yaml');
const plan = (inv: RepositoryInventory, used = emptyInUse()) => planRepository(inv, policy, used, NOW);
const digestsIn = (waves: Array<Array<{ digest: string }>>) =>
  waves.map((w) => w.map((op) => op.digest).sort());

describe('reconciling a plan with the repository as it is now', () => {
  test('unchanged: every planned removal is carried out, indexes before their children, referrers before their subject', () => {
    const repo = new RepoBuilder();
    const child = repo.image({ created: daysAgo(99), platform: 'linux/amd64' });
    const idx = repo.index([child]);
    const sbom = repo.image({ subject: idx, artifactType: 'application/spdx+json' });
    const fallback = repo.fallbackIndex(idx, [sbom]);
    const sig = repo.image({});
    repo.tag('old', idx).tag(`${idx.replace(':', '-')}.sig`, sig);
    const shared = repo.image({ created: daysAgo(99) });
    repo.tag('1.0.0', shared).tag('stable', shared);
    const inv = repo.build();
    const planned = plan(inv).decisions;
    const r = reconcile(planned, plan(inv));
    expect(r.skipped).toEqual([]);
    expect(r.untags).toEqual([{ kind: 'untag', tag: '1.0.0', digest: shared }]);
    // Wave 1: what nothing else must outlive (the fallback index, the signature); then the SBOM it lists,
    // then the subject index, and its platform image last.
    expect(digestsIn(r.deleteWaves)).toEqual([[fallback, sig].sort(), [sbom], [idx], [child]]);
    expect(r.deleteWaves.flat().find((op) => op.digest === idx)?.tags).toEqual(['old']);
  });

  test('a doomed tag that moved is skipped, and the manifest it named is left alone', () => {
    const repo = new RepoBuilder();
    const a = repo.image({ created: daysAgo(99) });
    repo.tag('old', a);
    const planned = plan(repo.build()).decisions;
    const b = repo.image({ created: daysAgo(1) });
    repo.tag('old', b);
    const r = reconcile(planned, plan(repo.build()));
    expect(r.skipped).toEqual([
      { tag: 'old', digest: a, reason: expect.stringMatching(/^tag moved to sha256:\w{12} since planning$/) },
    ]);
    expect(r.deleteWaves).toEqual([]);
  });

  test('a tag now kept (a new keep rule, or now in use) is skipped', () => {
    const repo = new RepoBuilder('shop/web');
    const a = repo.image({ created: daysAgo(99) });
    repo.tag('old', a);
    const inv = repo.build();
    const planned = plan(inv).decisions;
    const used = inUse({ tags: [['shop/web', 'old', 'Deployment shop/web']] });
    const r = reconcile(planned, plan(inv, used), used.digests.get('shop/web'));
    expect(r.skipped).toEqual([{ tag: 'old', digest: a, reason: 'now kept: in use by Deployment shop/web' }]);
    expect(r.deleteWaves).toEqual([]);
  });

  test('a manifest a new tag now points at is not deleted, and neither is one a kept tag moved onto', () => {
    const repo = new RepoBuilder();
    const a = repo.image({ created: daysAgo(99) });
    const b = repo.image({ created: daysAgo(99) });
    repo.tag('a', a).tag('b', b);
    const planned = plan(repo.build()).decisions;
    repo.tag('stable', a).tag('hotfix', b);
    const r = reconcile(planned, plan(repo.build()));
    // stable (kept) now shares a: only the tag a goes.
    expect(r.untags).toEqual([{ kind: 'untag', tag: 'a', digest: a }]);
    // hotfix (not planned, and old) now points at b: b stays.
    expect(r.skipped).toEqual([{ tag: 'b', digest: b, reason: 'tag "hotfix" now points at it' }]);
    expect(r.deleteWaves).toEqual([]);
  });

  test('already gone counts as done; an untagged manifest the plan named is still deleted when no tag reaches it', () => {
    const repo = new RepoBuilder();
    const child = repo.image({ created: daysAgo(99) });
    const idx = repo.index([child]);
    repo.tag('old', idx);
    const planned = plan(repo.build()).decisions;
    // A previous run deleted the index and stopped: the child is left, reachable from nothing.
    const r = reconcile(planned, plan(new RepoBuilder().build()));
    expect(r.skipped).toEqual([]);
    expect(digestsIn(r.deleteWaves)).toEqual([[child, idx].sort()]);
  });

  test('a manifest now in use by digest is not deleted', () => {
    const repo = new RepoBuilder('shop/web');
    const child = repo.image({ created: daysAgo(99) });
    repo.tag('old', repo.index([child]));
    const planned = plan(repo.build()).decisions;
    const used = inUse({ digests: [['shop/web', child, 'Pod shop/web-1']] });
    const r = reconcile(
      planned,
      plan(new RepoBuilder('shop/web').build(), used),
      used.digests.get('shop/web'),
    );
    expect(r.skipped).toEqual([{ tag: null, digest: child, reason: 'now in use by Pod shop/web-1' }]);
  });

  test('a placeholder left by an interrupted untag is finished, even when the plan did not name it', () => {
    const repo = new RepoBuilder();
    const shared = repo.image({ created: daysAgo(99) });
    repo.tag('1.0.0', shared).tag('stable', shared);
    const planned = plan(repo.build()).decisions;
    const placeholder = repo.image({ placeholderFor: '1.0.0' });
    repo.tag('1.0.0', placeholder);
    const r = reconcile(planned, plan(repo.build()));
    expect(r.untags).toEqual([]);
    expect(r.skipped).toEqual([]);
    expect(r.deleteWaves).toEqual([[{ kind: 'delete', digest: placeholder, tags: ['1.0.0'] }]]);
  });

  test('keep decisions are never acted on', () => {
    const repo = new RepoBuilder();
    repo.tag('new', repo.image({ created: daysAgo(1) }));
    const inv = repo.build();
    const planned: Decision[] = plan(inv).decisions;
    expect(reconcile(planned, plan(inv))).toEqual({ untags: [], deleteWaves: [], skipped: [] });
  });
});
