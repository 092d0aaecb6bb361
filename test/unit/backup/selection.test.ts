import {
  referrersSubject,
  referrersTagsFor,
  selectRepositories,
  selectTags,
  type ManifestNode,
} from '../../../steps/lib/backup/selection.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const IMAGE = 'application/vnd.oci.image.manifest.v1+json';
const d = (c: string) => `sha256:${c.repeat(64)}`;
const tagOf = (digest: string) => digest.replace(':', '-');

describe('selectRepositories', () => {
  test('globs pick from the catalog, plain names are kept even when the catalog does not list them', () => {
    expect(selectRepositories(['app/*', 'hidden/one'], ['app/web', 'app/api', 'lib/x'])).toEqual([
      'app/api',
      'app/web',
      'hidden/one',
    ]);
  });
  test('excluded repositories never come back, duplicates collapse', () => {
    expect(selectRepositories(['*', 'app/web'], ['app/web', 'inv/inventory'], ['inv/inventory'])).toEqual([
      'app/web',
    ]);
  });
});

describe('selectTags', () => {
  const all = ['1.0.0', '1.1.0', 'latest', 'prod', 'nightly-5', tagOf(d('a'))];
  test('referrers tags are set apart by subject, whatever the selection', () => {
    const s = selectTags(all, { tags: ['nightly-*'], productionTags: [] });
    expect(s.tags).toEqual(['nightly-5']);
    expect(s.all).toBe(false);
    expect([...s.referrersTags]).toEqual([[d('a'), tagOf(d('a'))]]);
  });
  test('production tags come along whatever --tag says', () => {
    expect(selectTags(all, { tags: ['latest'], productionTags: ['prod', '*.*.*'] }).tags).toEqual([
      '1.0.0',
      '1.1.0',
      'latest',
      'prod',
    ]);
  });
  test('* takes every ordinary tag and says so', () => {
    expect(selectTags(all, { tags: ['*'], productionTags: [] })).toMatchObject({
      all: true,
      tags: ['1.0.0', '1.1.0', 'latest', 'nightly-5', 'prod'],
    });
  });
  test('only sha256-<64 hex> is a referrers tag', () => {
    expect(referrersSubject(tagOf(d('b')))).toBe(d('b'));
    expect(referrersSubject('sha256-abc')).toBeUndefined();
    expect(referrersSubject('sha512-' + 'a'.repeat(64))).toBeUndefined();
  });
});

describe('referrersTagsFor', () => {
  // index X (children p1, p2) is signed (fallback index F1 lists sig S); p2 has an SBOM B (index F2), B is
  // signed in turn (index F3); image Y has a signature too (index F4) but is not chosen.
  const node = (digest: string, mediaType = IMAGE): ManifestNode => ({ digest, mediaType });
  const children: Record<string, ManifestNode[]> = {
    [d('x')]: [node(d('1')), node(d('2'))],
    [d('f')]: [node(d('s'))],
    [d('e')]: [node(d('b'))],
    [d('c')]: [node(d('t'))],
    [d('9')]: [node(d('u'))],
  };
  const fallback = new Map([
    [d('x'), { tag: tagOf(d('x')), node: node(d('f'), INDEX) }],
    [d('2'), { tag: tagOf(d('2')), node: node(d('e'), INDEX) }],
    [d('b'), { tag: tagOf(d('b')), node: node(d('c'), INDEX) }],
    [d('y'), { tag: tagOf(d('y')), node: node(d('9'), INDEX) }],
  ]);

  test('follows index children and referrers to any depth, and leaves out referrers of what was not chosen', async () => {
    const read: string[] = [];
    const chosen = await referrersTagsFor([node(d('x'), INDEX)], fallback, async (index) => {
      read.push(index.digest);
      return children[index.digest] ?? [];
    });
    expect(chosen).toEqual([tagOf(d('2')), tagOf(d('b')), tagOf(d('x'))].sort());
    expect(read).not.toContain(d('9'));
  });

  test('stops reading as soon as every referrers tag is decided', async () => {
    const read: string[] = [];
    const only = new Map([[d('x'), fallback.get(d('x'))!]]);
    await referrersTagsFor([node(d('x'), INDEX)], only, async (index) => {
      read.push(index.digest);
      return children[index.digest] ?? [];
    });
    expect(read).toEqual([]);
  });
});
