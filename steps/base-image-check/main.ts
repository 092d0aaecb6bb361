import { writeFileSync } from 'node:fs';
import {
  concurrencyFlag,
  listFlag,
  registryHost,
  repositoryPatterns,
  tagGlobs,
} from '../lib/backup/flags.js';
import { matchesAny, needsCatalog, referrersSubject, selectRepositories } from '../lib/backup/selection.js';
import { BaseImageChecker, type ImageCheck } from '../lib/base-image/check.js';
import {
  createPipelineRuns,
  loadTemplate,
  renderPipelineRun,
  writePipelineRuns,
  type RebuildValues,
} from '../lib/base-image/pipelinerun.js';
import { ExitCode, GateError, UsageError } from '../lib/errors.js';
import { kubeFlags } from '../lib/kube/flags.js';
import {
  clientFromFlags,
  parseReference,
  parseRepository,
  registryFlags,
  type Reference,
  type RegistryClient,
} from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { checkOutputDir, checkOutputFile } from '../lib/config/paths.js';

const NAME = 'base-image-check';
/** STALE_IMAGES shares Tekton's 4096-byte results budget with the other results. */
const STALE_RESULT_BYTES = 2500;

export const step = defineStep({
  name: NAME,
  summary:
    'Find images whose base image tag has moved since they were built, and optionally start a rebuild for each.',
  flags: {
    image: {
      type: 'string',
      multiple: true,
      description: 'Image to check, e.g. quay.example.com/team/app:1.2.3; space or comma separated',
      valueName: 'REF',
    },
    registry: {
      type: 'string',
      description: 'Registry whose repositories --repository names',
      valueName: 'HOST',
    },
    repository: {
      type: 'string',
      multiple: true,
      description: 'Repositories on --registry to check, or globs over its catalog',
      valueName: 'REPO',
    },
    tag: {
      type: 'string',
      multiple: true,
      description: 'With --repository: the tags to check, as globs (default latest)',
      valueName: 'GLOB',
    },
    rebuild: {
      type: 'string',
      description:
        'For each stale image: create a PipelineRun from --pipelinerun-template, write it to --pipelinerun-dir, or nothing',
      choices: ['none', 'create', 'write'],
      default: 'none',
    },
    'pipelinerun-template': {
      type: 'string',
      description: 'PipelineRun YAML with metadata.generateName and {{IMAGE}}-style placeholders',
      valueName: 'FILE',
    },
    'pipelinerun-dir': {
      type: 'string',
      description: 'With --rebuild write: where the rendered PipelineRuns go',
      valueName: 'DIR',
    },
    'report-file': { type: 'string', description: 'Write the full report as JSON here', valueName: 'PATH' },
    concurrency: {
      type: 'string',
      description: 'Registry requests in flight at once',
      default: '8',
      valueName: 'N',
    },
    ...kubeFlags,
    ...dryRunFlag,
    ...registryFlags,
  },
  results: ['REBUILD_NEEDED', 'STALE_IMAGES', 'CHECK_SUMMARY', 'PIPELINERUNS'],
  details: [
    "The base is read from the image's org.opencontainers.image.base.name and .base.digest, in the manifest's",
    "annotations or the config's labels (the build step writes both). An image is fresh when the recorded digest is",
    "what the base tag points at now, or, for a multi-arch base, the child for the image's platform; stale when it",
    'is not; unknown when it records no base or the base cannot be read (never fresh).',
    `Template placeholders: {{IMAGE}} {{IMAGE_REPOSITORY}} {{IMAGE_TAG}} {{IMAGE_DIGEST}} {{BASE_IMAGE}} {{OLD_BASE_DIGEST}} {{NEW_BASE_DIGEST}}.`,
    'Exit codes: 0 checked (REBUILD_NEEDED says the verdict); 1 nothing to check, or a named repository cannot be listed;',
    '2 bad input; 3 a registry or the cluster unreachable.',
  ].join('\n'),
  async run(ctx) {
    const { flags: f, log } = ctx;
    checkOutputFile(f['report-file']?.trim(), '--report-file');
    checkOutputDir(f['pipelinerun-dir']?.trim(), '--pipelinerun-dir');
    const given = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
    const images = listFlag(f.image).map((text) => {
      let ref: Reference;
      try {
        ref = parseReference(text);
      } catch (err) {
        throw new UsageError(`${NAME}: --image: ${(err as Error).message}`);
      }
      return ref.tag || ref.digest ? ref : ref.withTag('latest');
    });
    const repositories = repositoryPatterns(NAME, 'repository', f.repository);
    const registryText = given(f.registry);
    const registry = registryText ? registryHost(NAME, 'registry', registryText) : undefined;
    if (repositories.length && !registry)
      throw new UsageError(`${NAME}: --repository needs --registry, the registry the repositories are on`);
    if (!images.length && !repositories.length)
      throw new UsageError(`${NAME}: give --image, or --registry with --repository`);
    const tags = tagGlobs(NAME, 'tag', f.tag, ['latest']);
    const concurrency = concurrencyFlag(NAME, f.concurrency);
    const template =
      f.rebuild !== 'none'
        ? loadTemplate(
            given(f['pipelinerun-template']) ?? fail('--rebuild create|write needs --pipelinerun-template'),
          )
        : undefined;
    const dir = given(f['pipelinerun-dir']);
    if (f.rebuild === 'write' && !dir) fail('--rebuild write needs --pipelinerun-dir');
    // The cluster's config is input too: read before the registry work, not once the checks are done.
    const kube =
      f.rebuild === 'create' && !f['dry-run']
        ? (await import('../lib/kube/client.js')).createKubeClient(
            { kubeconfig: f.kubeconfig, context: f.context, namespace: f.namespace },
            { log },
          )
        : undefined;

    const client = clientFromFlags(f, log, { concurrency });
    let checks: ImageCheck[];
    let infraFailure: boolean;
    try {
      const all = [
        ...images,
        ...(registry ? await imagesInRepositories(client, registry, repositories, tags) : []),
      ];
      if (all.length === 0)
        throw new GateError(
          `${NAME}: no image to check: the repositories have no tag matching ${tags.join(' ')}`,
        );
      log.info(`checking the base images of ${all.length} images`);
      const checker = new BaseImageChecker(client, concurrency);
      checks = await checker.checkAll(all);
      infraFailure = checker.infraFailure;
    } finally {
      await client.close();
    }

    const stale = checks.filter((c) => c.status === 'stale');
    const count = (s: string) => checks.filter((c) => c.status === s).length;
    const summary = `${checks.length} images: ${stale.length} stale, ${count('fresh')} fresh, ${count('unknown')} unknown`;
    const runs = template ? stale.map((c) => renderPipelineRun(template, rebuildValues(c))) : [];
    let pipelineRuns: string[] = [];
    if (f.rebuild === 'write' && dir) pipelineRuns = writePipelineRuns(dir, runs);
    if (f.rebuild === 'create' && runs.length) {
      if (kube) pipelineRuns = await createPipelineRuns(kube, runs);
      else log.info(`dry run: would create ${runs.length} PipelineRuns`);
    }
    for (const run of pipelineRuns) log.info(`rebuild: ${run}`);

    const report = {
      rebuildNeeded: stale.length > 0,
      summary,
      stale: stale.map((c) => ({ image: c.image, digest: c.digest, ...staleBase(c) })),
      images: checks,
      pipelineRuns,
      ...(f.rebuild === 'create' && f['dry-run'] ? { wouldCreate: runs } : {}),
    };
    const reportFile = given(f['report-file']);
    if (reportFile) {
      try {
        writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
      } catch (err) {
        throw new UsageError(
          `${NAME}: --report-file ${reportFile} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    ctx.results
      .set('REBUILD_NEEDED', String(report.rebuildNeeded))
      .set(
        'STALE_IMAGES',
        fitList(
          stale.map((c) => c.image),
          STALE_RESULT_BYTES,
        ),
      )
      .set('CHECK_SUMMARY', summary)
      .set('PIPELINERUNS', pipelineRuns.join(','));
    ctx.emit(report, () =>
      [
        summary,
        ...checks.map((c) => `  ${c.status.padEnd(7)} ${c.image}${describe(c)}`),
        ...pipelineRuns.map((r) => `  rebuild: ${r}`),
      ].join('\n'),
    );
    return infraFailure ? ExitCode.infra : ExitCode.ok;
  },
});

function fail(message: string): never {
  throw new UsageError(`${NAME}: ${message}`);
}

/** Images of the chosen repositories: the tags matching the globs (referrers tags never). */
async function imagesInRepositories(
  client: RegistryClient,
  registry: string,
  patterns: readonly string[],
  tags: readonly string[],
): Promise<Reference[]> {
  const catalog = needsCatalog(patterns) ? await client.catalog(registry) : [];
  const images: Reference[] = [];
  for (const name of selectRepositories(patterns, catalog)) {
    const repo = parseRepository(`${registry}/${name}`);
    for (const tag of await client.listTags(repo)) {
      if (!referrersSubject(tag) && matchesAny(tags, tag)) images.push(repo.withTag(tag));
    }
  }
  return images;
}

/** The stale platform's base: what it was built on and what the tag gives now. */
function staleBase(c: ImageCheck): {
  base: string;
  oldDigest: string;
  newDigest: string;
  newPlatformDigest?: string;
} {
  const p = c.platforms.find((x) => x.status === 'stale')?.base;
  return {
    base: p?.name ?? '',
    oldDigest: p?.recordedDigest ?? '',
    newDigest: p?.currentDigest ?? '',
    ...(p?.currentPlatformDigest ? { newPlatformDigest: p.currentPlatformDigest } : {}),
  };
}

function rebuildValues(c: ImageCheck): RebuildValues {
  const ref = parseReference(c.image);
  const base = staleBase(c);
  return {
    IMAGE: c.image,
    IMAGE_REPOSITORY: ref.context(),
    IMAGE_TAG: ref.tag ?? '',
    IMAGE_DIGEST: c.digest ?? '',
    BASE_IMAGE: base.base,
    OLD_BASE_DIGEST: base.oldDigest,
    NEW_BASE_DIGEST: base.newDigest,
  };
}

function describe(c: ImageCheck): string {
  if (c.reason) return ` (${c.reason})`;
  const notes = c.platforms.map((p) => {
    const where = p.platform && c.platforms.length > 1 ? `${p.platform}: ` : '';
    if (p.status === 'unknown') return `${where}${p.reason}`;
    if (p.status === 'stale')
      return `${where}base ${p.base?.name} was ${p.base?.recordedDigest}, is now ${p.base?.currentDigest}`;
    return `${where}base ${p.base?.name} current`;
  });
  return notes.length ? ` (${notes.join('; ')})` : '';
}

/** A comma-separated list that fits `budget` bytes, ending in "+N more" when it does not all fit. */
function fitList(items: readonly string[], budget: number): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const next = out ? `${out},${items[i]}` : (items[i] as string);
    const rest = items.length - i - 1;
    if (Buffer.byteLength(next) + (rest ? ` +${rest} more`.length : 0) > budget)
      return `${out} +${items.length - i} more`;
    out = next;
  }
  return out;
}
