import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Builder, type BuildOutcome } from '../lib/build/build.js';
import { BUILD_ARG_NAME, parsePairs } from '../lib/build/metadata.js';
import { chooseDriver, type StorageChoice } from '../lib/build/storage.js';
import { UsageError } from '../lib/errors.js';
import {
  findDockerConfig,
  insecureRegistries,
  parseReference,
  parseRepository,
  registryFlags,
  type Reference,
} from '../lib/oci/index.js';
import { dryRunFlag } from '../lib/tekton/args.js';
import { defineStep } from '../lib/tekton/step.js';
import { parseJson } from '../lib/config/load.js';
import { checkOutputDir } from '../lib/config/paths.js';
import { readCa } from '../lib/oci/transport.js';
import { parseDuration } from '../lib/runner/duration.js';

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

export const step = defineStep({
  name: 'build',
  summary:
    'Build an image with buildah (layer cache in a registry, OCI labels and annotations), push it, and retry transient failures.',
  flags: {
    image: {
      type: 'string',
      description: 'Where to push: registry/repo:tag',
      required: true,
      valueName: 'REF',
    },
    context: { type: 'string', description: 'Build context directory', default: '.', valueName: 'DIR' },
    containerfile: {
      type: 'string',
      description: 'Containerfile or Dockerfile (default: the one in the context)',
      valueName: 'PATH',
    },
    target: {
      type: 'string',
      description: 'Stage to build in a multi-stage Containerfile',
      valueName: 'STAGE',
    },
    'build-arg': { type: 'string', multiple: true, description: 'Build argument', valueName: 'NAME=VALUE' },
    'build-args': {
      type: 'string',
      description: 'Build arguments as a JSON array of "NAME=VALUE" strings (how a Task passes a list)',
      valueName: 'JSON',
    },
    layers: {
      type: 'string',
      description: 'Cache intermediate layers',
      choices: ['true', 'false'],
      default: 'true',
    },
    'cache-from': { type: 'string', description: 'Repository to read cached layers from', valueName: 'REPO' },
    'cache-to': { type: 'string', description: 'Repository to push cached layers to', valueName: 'REPO' },
    'cache-ttl': {
      type: 'string',
      description: 'Ignore cached layers older than this, e.g. 168h',
      valueName: 'DURATION',
    },
    label: { type: 'string', multiple: true, description: 'Extra image label', valueName: 'KEY=VALUE' },
    annotation: {
      type: 'string',
      multiple: true,
      description: 'Extra manifest annotation',
      valueName: 'KEY=VALUE',
    },
    source: {
      type: 'string',
      description: 'org.opencontainers.image.source: the repository URL',
      valueName: 'URL',
    },
    revision: {
      type: 'string',
      description: 'org.opencontainers.image.revision: the commit',
      valueName: 'SHA',
    },
    version: { type: 'string', description: 'org.opencontainers.image.version', valueName: 'VERSION' },
    title: { type: 'string', description: 'org.opencontainers.image.title', valueName: 'TITLE' },
    created: {
      type: 'string',
      description: 'org.opencontainers.image.created (RFC 3339; default now)',
      valueName: 'TIME',
    },
    format: {
      type: 'string',
      description: 'Manifest and config format',
      choices: ['oci', 'docker'],
      default: 'oci',
    },
    'storage-driver': {
      type: 'string',
      description: 'auto: overlay (fuse-overlayfs) when /dev/fuse exists, else vfs',
      choices: ['auto', 'vfs', 'overlay'],
      default: 'auto',
    },
    'storage-root': { type: 'string', description: 'buildah storage root (--root)', valueName: 'DIR' },
    'run-root': { type: 'string', description: 'buildah run root (--runroot)', valueName: 'DIR' },
    isolation: {
      type: 'string',
      description: 'How RUN steps are isolated',
      choices: ['chroot', 'oci', 'rootless'],
      default: 'chroot',
    },
    retries: {
      type: 'string',
      description: 'Further attempts after a transient failure (429, 5xx, resets, timeouts)',
      default: '3',
      valueName: 'N',
    },
    'retry-delay-ms': {
      type: 'string',
      description: 'Wait before the first retry, doubled each time',
      default: '2000',
      valueName: 'MS',
    },
    push: {
      type: 'string',
      description: 'Push the image after building it',
      choices: ['true', 'false'],
      default: 'true',
    },
    ...dryRunFlag,
    ...registryFlags,
  },
  results: ['IMAGE_URL', 'IMAGE_DIGEST', 'BASE_IMAGE_DIGEST', 'BUILD_CACHE_HITS'],
  details: [
    'Transient failures (registry 429/5xx, EOF, connection reset/refused, timeouts) are retried with backoff;',
    'anything else fails at once, quoting buildah. Exit codes: 0 built and pushed; 1 the build failed (a RUN',
    'step, denied credentials, unknown base image); 2 bad input (flags, Containerfile syntax, unknown target);',
    '3 transient failures outlasted the retries.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    checkOutputDir(flags['storage-root'], '--storage-root');
    checkOutputDir(flags['run-root'], '--run-root');
    // buildah reads the CA bundle only when it runs; checked here so --dry-run catches a wrong file too.
    if (flags['ca-file']) readCa(flags['ca-file']);
    const image = parseReference(flags.image);
    if (image.digest) throw new UsageError(`--image ${flags.image}: give a tag to push to, not a digest`);
    const context = resolve(flags.context);
    if (!existsSync(context) || !statSync(context).isDirectory())
      throw new UsageError(`--context ${flags.context}: not a directory`);
    const containerfile = findContainerfile(flags.containerfile, context);
    const cacheTtl = flags['cache-ttl'] || undefined;
    if (cacheTtl && (!GO_DURATION.test(cacheTtl) || parseDuration(cacheTtl) === undefined))
      throw new UsageError(`--cache-ttl "${cacheTtl}": expected a duration such as 168h or 30m`);
    const created = flags.created || new Date().toISOString();
    if (Number.isNaN(Date.parse(created)))
      throw new UsageError(`--created "${created}": expected an RFC 3339 time`);
    const fuseOverlayfs = ['/usr/bin/fuse-overlayfs', '/usr/local/bin/fuse-overlayfs'].find(existsSync);
    const storageEnv = { fuseDevice: existsSync('/dev/fuse'), fuseOverlayfs };
    const driver = chooseDriver(flags['storage-driver'] as StorageChoice, storageEnv);
    if (driver === 'overlay' && !storageEnv.fuseDevice)
      log.warn('overlay storage without /dev/fuse needs a privileged pod; prefer vfs here');

    const workDir = mkdtempSync(join(tmpdir(), 'image-lifecycle-build-'));
    let outcome: BuildOutcome;
    try {
      const builder = new Builder(
        {
          image,
          containerfile,
          context,
          target: flags.target || undefined,
          buildArgs: new Map([
            ...parsePairs(jsonList(flags['build-args'], '--build-args'), '--build-args', BUILD_ARG_NAME),
            ...parsePairs(flags['build-arg'], '--build-arg', BUILD_ARG_NAME),
          ]),
          layers: flags.layers === 'true',
          cacheFrom: optionalRepository(flags['cache-from'], '--cache-from'),
          cacheTo: optionalRepository(flags['cache-to'], '--cache-to'),
          cacheTtl,
          labels: parsePairs(flags.label, '--label'),
          annotations: parsePairs(flags.annotation, '--annotation'),
          metadata: {
            source: flags.source,
            revision: flags.revision,
            version: flags.version,
            title: flags.title,
            created,
          },
          format: flags.format as 'oci' | 'docker',
          isolation: flags.isolation,
          storage: {
            driver,
            root: flags['storage-root'] || undefined,
            runRoot: flags['run-root'] || undefined,
          },
          storageEnv,
          insecureRegistries: insecureRegistries(flags['insecure-registry']),
          authFile: findDockerConfig(flags['docker-config'] || undefined),
          caFile: flags['ca-file'] || undefined,
          retry: {
            retries: count(flags.retries, '--retries', 0, 10),
            delayMs: count(flags['retry-delay-ms'], '--retry-delay-ms', 0, 600_000),
            maxDelayMs: 60_000,
          },
          push: flags.push === 'true',
          dryRun: flags['dry-run'],
          workDir,
        },
        log,
      );
      outcome = await builder.build();
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
    results
      .set('IMAGE_URL', outcome.image)
      .set('IMAGE_DIGEST', outcome.digest ?? '')
      .set('BASE_IMAGE_DIGEST', outcome.baseDigest ?? '')
      .set('BUILD_CACHE_HITS', String(outcome.cacheHits));
    emit(outcome, () => renderText(outcome));
  },
});

function findContainerfile(flag: string | undefined, context: string): string {
  const candidates = flag ? [resolve(flag)] : [join(context, 'Containerfile'), join(context, 'Dockerfile')];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  if (!found)
    throw new UsageError(
      flag
        ? `--containerfile ${flag}: no such file`
        : `--context ${context}: has no Containerfile or Dockerfile; give --containerfile`,
    );
  return found;
}

function jsonList(text: string | undefined, flag: string): string[] {
  if (!text || !text.trim()) return [];
  let value: unknown;
  try {
    value = parseJson(text);
  } catch {
    throw new UsageError(`${flag}: not JSON; expected an array such as ["NAME=VALUE"]`);
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new UsageError(`${flag}: expected a JSON array of "NAME=VALUE" strings`);
  }
  return value;
}

function optionalRepository(text: string | undefined, flag: string): Reference | undefined {
  if (!text) return undefined;
  try {
    return parseRepository(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

function count(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${flag} "${text}": expected a whole number from ${min} to ${max}`);
  return n;
}

function renderText(o: BuildOutcome): string {
  if (o.commands) return o.commands.map((c) => ['buildah', ...c].join(' ')).join('\n');
  return [
    `image:       ${o.image}${o.digest ? `@${o.digest}` : ' (not pushed)'}`,
    `base:        ${o.baseImage ?? 'scratch'}${o.baseDigest ? `@${o.baseDigest}` : ''}`,
    `cache hits:  ${o.cacheHits}`,
    `attempts:    pull ${o.attempts.pull}, build ${o.attempts.build}, push ${o.attempts.push}`,
    `time:        build ${o.durationsMs.build} ms, push ${o.durationsMs.push} ms`,
  ].join('\n');
}
