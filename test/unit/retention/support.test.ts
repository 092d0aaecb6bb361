import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../steps/lib/errors.js';
import { creationDate } from '../../../steps/lib/retention/age.js';
import { execute, type Executor } from '../../../steps/lib/retention/apply.js';
import { indexInUse, podSpecImages } from '../../../steps/lib/retention/in-use.js';
import { emptyInUse, type Plan } from '../../../steps/lib/retention/model.js';
import { readPlanFile } from '../../../steps/lib/retention/plan-file.js';
import { planRepository } from '../../../steps/lib/retention/planner.js';
import { parseRetentionPolicy } from '../../../steps/lib/retention/policy.js';
import type { DeleteOperation } from '../../../steps/lib/retention/reconcile.js';
import { renderPlan, summaryResult } from '../../../steps/lib/retention/render.js';
import { attachmentOf, placeholderFor, placeholderManifest } from '../../../steps/lib/retention/tags.js';
import { daysAgo, fakeDigest, inUse, NOW, RepoBuilder } from './inventory-builder.js';

describe('images in use', () => {
  const d = fakeDigest('running');
  test('references are matched by registry (and aliases) and repository; tags, digests and runtime image IDs', () => {
    const index = indexInUse(
      [
        { reference: 'quay.example.com/shop/web:1.2.3', user: 'Deployment shop/web' },
        { reference: `docker-pullable://quay.example.com/shop/web@${d}`, user: 'Pod shop/web-1' },
        { reference: `registry.internal:5000/shop/api:2.0@${d}`, user: 'Pod shop/api-1' },
        { reference: 'quay.example.com/shop/worker', user: 'Job shop/w' },
        { reference: 'docker.io/library/nginx:1.27', user: 'Deployment shop/proxy' },
        { reference: 'not a reference', user: 'Pod broken' },
      ],
      ['quay.example.com', 'registry.internal:5000'],
    );
    expect(index.tags).toEqual(
      new Map([
        ['shop/web', new Map([['1.2.3', ['Deployment shop/web']]])],
        ['shop/api', new Map([['2.0', ['Pod shop/api-1']]])],
        ['shop/worker', new Map([['latest', ['Job shop/w']]])],
      ]),
    );
    expect(index.digests).toEqual(
      new Map([
        ['shop/web', new Map([[d, ['Pod shop/web-1']]])],
        ['shop/api', new Map([[d, ['Pod shop/api-1']]])],
      ]),
    );
  });

  test('pod specs: containers, init and ephemeral containers', () => {
    expect(
      podSpecImages({
        containers: [{ image: 'a' }],
        initContainers: [{ image: 'b' }],
        ephemeralContainers: [{ image: 'c' }, {}],
      }),
    ).toEqual(['a', 'b', 'c']);
    expect(podSpecImages(undefined)).toEqual([]);
  });
});

describe('attachment tags and placeholders', () => {
  test('referrers fallback and cosign tags name their subject; other tags are not attachments', () => {
    const hex = 'a'.repeat(64);
    expect(attachmentOf(`sha256-${hex}`)).toEqual({ subject: `sha256:${hex}`, kind: 'referrers index' });
    expect(attachmentOf(`sha256-${hex}.sig`)).toEqual({ subject: `sha256:${hex}`, kind: 'signature' });
    expect(attachmentOf(`sha256-${hex}.att`)?.kind).toBe('attestation');
    expect(attachmentOf(`sha256-${hex}.sbom`)?.kind).toBe('SBOM');
    expect(attachmentOf(`sha256-${hex}.txt`)).toBeUndefined();
    expect(attachmentOf('sha256-abc.sig')).toBeUndefined();
    expect(attachmentOf('1.0.0')).toBeUndefined();
  });

  test('a placeholder is unique per tag and names it', () => {
    const a = placeholderManifest('1.0.0');
    const b = placeholderManifest('1.0.1');
    expect(a.digest).not.toBe(b.digest);
    expect(placeholderFor(JSON.parse(a.body.toString('utf8')))).toBe('1.0.0');
    expect(
      placeholderFor({ schemaVersion: 2, config: { mediaType: 'x', digest: a.digest, size: 1 }, layers: [] }),
    ).toBeUndefined();
  });
});

describe('creation dates', () => {
  test('invalid dates and epoch placeholders fall through to the next source, with the reason kept', () => {
    const repo = new RepoBuilder();
    const bad = repo.image({ dates: { config: 'yesterday', label: '1980-01-01T00:00:00Z' } });
    const inv = repo.build();
    expect(creationDate(inv.manifests, bad, ['config', 'annotation', 'label'])).toEqual({
      unknown:
        'config created "yesterday" is not a date; org.opencontainers.image.created label is the placeholder date 1980-01-01T00:00:00Z',
    });
    expect(creationDate(inv.manifests, fakeDigest('missing'), ['config'])).toEqual({
      unknown: 'the manifest could not be read',
    });
  });
});

describe('image streams: only tags go', () => {
  test('no manifest is deleted; a tag whose image is in use by digest stays; freed images count as reclaimable', () => {
    const repo = new RepoBuilder('shop/app');
    const a = repo.image({ created: daysAgo(90) });
    const b = repo.image({ created: daysAgo(90) });
    repo
      .tag('1.0.0', a)
      .tag('1.0.1', b)
      .tag('1.0.2', repo.image({ created: daysAgo(1) }));
    const policy = parseRetentionPolicy('keep: {youngerThan: 30d}', 'p');
    const r = planRepository(
      repo.build(),
      policy,
      inUse({ digests: [['shop/app', b, 'Pod shop/app-1']] }),
      NOW,
      { tagsOnly: 'image streams: only the tag goes' },
    );
    expect(r.deleted.size).toBe(0);
    expect(r.decisions.map((d) => [d.tag, d.action, d.reasons.at(-1)])).toEqual([
      ['1.0.0', 'untag', 'image streams: only the tag goes'],
      [
        '1.0.1',
        'keep',
        'its image is in use by Pod shop/app-1, and the image stream serves it only while a tag references it',
      ],
      ['1.0.2', 'keep', expect.stringMatching(/younger than 30d$/)],
    ]);
    expect([...r.freed]).toEqual([a]);
  });
});

describe('plan files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retention-plan-'));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const valid: Plan = {
    dryRun: true,
    policy: 'adr',
    decisions: [
      { repository: 'a/b', tag: '1.0.0', digest: fakeDigest('x'), action: 'delete', reasons: ['old'] },
    ],
    summary: {
      repositories: 1,
      tagsKept: 0,
      tagsDeleted: 1,
      manifestsDeleted: 1,
      reclaimableBytes: 0,
      skipped: 0,
    },
  };

  test('a plan written by --plan-file reads back', () => {
    expect(readPlanFile(write('ok.json', valid), 'adr')).toEqual(valid);
  });

  test.each([
    ['missing.json', undefined, /^--apply-plan .*missing\.json cannot be read \(ENOENT\)$/],
    ['bad.json', '{', /^--apply-plan .*bad\.json: not valid JSON; give a plan written by --plan-file$/],
    ['empty.json', {}, /: not a retention plan \(no "decisions" list\)$/],
    ['other.json', { ...valid, policy: 'other' }, /: made with policy "other", but --policy is "adr"$/],
    [
      'digest.json',
      { ...valid, decisions: [{ ...valid.decisions[0], digest: 'sha256:x' }] },
      /: decisions\[0\]\.digest must be a digest/,
    ],
    [
      'action.json',
      { ...valid, decisions: [{ ...valid.decisions[0], action: 'purge' }] },
      /: decisions\[0\]\.action must be one of keep, delete, untag$/,
    ],
    [
      'untag.json',
      { ...valid, decisions: [{ ...valid.decisions[0], tag: null, action: 'untag' }] },
      /: decisions\[0\]: untag needs a tag$/,
    ],
  ])('%s is refused with one line', (name, content, message) => {
    const path = content === undefined ? join(dir, name) : write(name, content);
    expect(() => readPlanFile(path, 'adr')).toThrow(UsageError);
    expect(() => readPlanFile(path, 'adr')).toThrow(message);
  });
});

describe('text output', () => {
  test('a table, the summary, the dry-run line, warnings and the garbage-collection reminder', () => {
    const plan: Plan = {
      dryRun: true,
      policy: 'adr',
      decisions: [
        {
          repository: 'a/b',
          tag: '1.0.0',
          digest: fakeDigest('x'),
          action: 'delete',
          reasons: ['beyond the 10 highest versions (#11)', 'older than 30d'],
        },
        {
          repository: 'a/b',
          tag: null,
          digest: fakeDigest('y'),
          action: 'keep',
          reasons: ['listed by index'],
        },
      ],
      summary: {
        repositories: 1,
        tagsKept: 0,
        tagsDeleted: 1,
        manifestsDeleted: 1,
        reclaimableBytes: 3 * 1024 * 1024,
        skipped: 0,
      },
    };
    const text = renderPlan(plan, { reclaimHint: 'run gc', warnings: ['careful'] });
    expect(text.split('\n')).toEqual([
      'REPOSITORY  TAG         DIGEST               ACTION  REASON',
      `a/b         1.0.0       ${fakeDigest('x').slice(0, 19)}  delete  beyond the 10 highest versions (#11) (+1 more)`,
      `a/b         (untagged)  ${fakeDigest('y').slice(0, 19)}  keep    listed by index`,
      '',
      'Plan (policy adr): 1 repositories, 0 tags kept, 1 tags to delete, 1 manifests to delete, 3.0 MiB reclaimable, 0 skipped',
      'WARNING: careful',
      'Dry run: nothing was changed. Run with --apply (the Task: DRY_RUN "false") to apply this.',
      'Note: run gc.',
    ]);
    expect(JSON.parse(summaryResult(plan))).toEqual({ dryRun: true, policy: 'adr', ...plan.summary });
  });
});

describe('executing operations', () => {
  const op = (digest: string): DeleteOperation => ({ kind: 'delete', digest, tags: [] });

  test('waves run in order; untags first', async () => {
    const calls: string[] = [];
    const executor: Executor = {
      untag: async (tag) => (calls.push(`untag ${tag}`), 'done'),
      deleteManifest: async (digest) => (calls.push(`delete ${digest}`), 'done'),
    };
    const outcomes = await execute(
      executor,
      {
        untags: [{ kind: 'untag', tag: 't', digest: 'd0' }],
        deleteWaves: [[op('d1'), op('d2')], [op('d3')]],
        skipped: [],
      },
      2,
    );
    expect(calls[0]).toBe('untag t');
    expect(calls.slice(1, 3).sort()).toEqual(['delete d1', 'delete d2']);
    expect(calls[3]).toBe('delete d3');
    expect(outcomes.map((o) => o.result)).toEqual(['done', 'done', 'done', 'done']);
  });

  test('after a failure nothing new starts: a later wave never runs after an earlier one failed', async () => {
    const calls: string[] = [];
    const executor: Executor = {
      untag: async () => 'done',
      deleteManifest: async (digest) => {
        calls.push(digest);
        if (digest === 'd1') throw new Error('registry unreachable');
        return 'done';
      },
    };
    const run = execute(
      executor,
      { untags: [], deleteWaves: [[op('d1'), op('d2'), op('d3')], [op('d4')]], skipped: [] },
      1,
    );
    await expect(run).rejects.toMatchObject({ message: 'registry unreachable', outcomes: [] });
    expect(calls).toEqual(['d1']);
  });
});

test('an empty in-use index protects nothing', () => {
  expect(emptyInUse()).toEqual({ tags: new Map(), digests: new Map() });
});
