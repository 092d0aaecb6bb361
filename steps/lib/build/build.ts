import { readFileSync, writeFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GateError, UsageError } from '../errors.js';
import { isInsecureHost, parseReference, type Reference } from '../oci/index.js';
import type { Logger } from '../tekton/log.js';
import { buildCommand, countCacheHits, pushCommand, type BuildSpec } from './commands.js';
import { baseImage, parseContainerfile, type BaseImage, type Containerfile } from './containerfile.js';
import { metadataKeys, type ImageMetadata } from './metadata.js';
import { registriesConf } from './registries-conf.js';
import { withBuildRetries, type BuildRetryPolicy } from './retry.js';
import { runBuildah, type RunResult } from './run.js';
import { storageArgs, type StorageEnvironment, type StorageOptions } from './storage.js';

export interface BuildRequest {
  image: Reference;
  containerfile: string;
  context: string;
  target?: string;
  buildArgs: ReadonlyMap<string, string>;
  layers: boolean;
  cacheFrom?: Reference;
  cacheTo?: Reference;
  cacheTtl?: string;
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  metadata: Omit<ImageMetadata, 'baseName' | 'baseDigest'>;
  format: 'oci' | 'docker';
  isolation: string;
  storage: StorageOptions;
  storageEnv: StorageEnvironment;
  /** Registries reached over plain HTTP / unverified TLS, besides localhost and 127.0.0.1. */
  insecureRegistries: readonly string[];
  authFile?: string;
  caFile?: string;
  retry: BuildRetryPolicy;
  push: boolean;
  dryRun: boolean;
  /** A private directory for registries.conf, the CA directory and the digest file. */
  workDir: string;
}

export interface BuildOutcome {
  image: string;
  digest: string | null;
  baseImage: string | null;
  baseDigest: string | null;
  cacheHits: number;
  /** buildah runs per phase; pull is the base image's, 0 for scratch and local-only bases. */
  attempts: { pull: number; build: number; push: number };
  durationsMs: { build: number; push: number };
  /** With --dry-run: the buildah commands that would run. */
  commands?: string[][];
}

export class Builder {
  private readonly global: string[];
  private env: NodeJS.ProcessEnv = process.env;

  constructor(
    private readonly request: BuildRequest,
    private readonly log: Logger,
  ) {
    this.global = storageArgs(request.storage, request.storageEnv);
  }

  /**
   * registries.conf marking every insecure registry this build touches (destination, caches, the registries
   * of every FROM), so TLS is decided per registry.
   */
  private registriesEnv(file: Containerfile): NodeJS.ProcessEnv {
    const r = this.request;
    const fromRegistries = file.stages.flatMap((s) => registryOf(s.from));
    const touched = [r.image, r.cacheFrom, r.cacheTo]
      .filter((x): x is Reference => x !== undefined)
      .map((x) => x.registry);
    const insecure = [
      ...r.insecureRegistries,
      ...[...touched, ...fromRegistries].filter((host) => isInsecureHost(host, [...r.insecureRegistries])),
    ];
    if (insecure.length === 0) return {};
    const systemPath = process.env.CONTAINERS_REGISTRIES_CONF ?? '/etc/containers/registries.conf';
    const path = join(r.workDir, 'registries.conf');
    writeFileSync(
      path,
      registriesConf(existsSync(systemPath) ? readFileSync(systemPath, 'utf8') : '', insecure),
    );
    return { CONTAINERS_REGISTRIES_CONF: path };
  }

  private run(args: string[], echo = true): Promise<RunResult> {
    const quiet: Logger = { ...this.log, info: () => undefined };
    return runBuildah([...this.global, ...args], { env: this.env, log: echo ? this.log : quiet });
  }

  /** buildah reads extra CAs from a directory (--cert-dir); the CA file is copied into one. */
  private certDir(): string | undefined {
    if (!this.request.caFile) return undefined;
    const dir = join(this.request.workDir, 'certs');
    mkdirSync(dir, { recursive: true });
    copyFileSync(this.request.caFile, join(dir, 'ca.crt'));
    return dir;
  }

  private spec(base: ImageMetadata, certDir: string | undefined): BuildSpec {
    const r = this.request;
    const keys = metadataKeys(base);
    return {
      image: r.image.toString(),
      containerfile: r.containerfile,
      context: r.context,
      target: r.target,
      buildArgs: r.buildArgs,
      layers: r.layers,
      cacheFrom: r.cacheFrom?.context(),
      cacheTo: r.cacheTo?.context(),
      cacheTtl: r.cacheTtl,
      labels: { ...keys, ...Object.fromEntries(r.labels) },
      annotations: { ...keys, ...Object.fromEntries(r.annotations) },
      format: r.format,
      isolation: r.isolation,
      authFile: r.authFile,
      certDir,
      // The base was just pulled: pull only what is missing, so the build uses that very image.
      pullMissingOnly: true,
    };
  }

  /** The digest of a local image, or undefined when storage does not hold it. */
  private async localDigest(name: string): Promise<string | undefined> {
    const res = await this.run(
      ['inspect', '--type', 'image', '--format', '{{.FromImageDigest}}', name],
      false,
    );
    return res.code === 0 ? res.output.trim() || undefined : undefined;
  }

  /**
   * Pulls the final stage's base (retried like the build) so its digest is known before the build and
   * the build uses exactly that image. `localhost/` images only ever live in local storage.
   */
  private async resolveBase(
    base: BaseImage,
    certDir: string | undefined,
  ): Promise<{ name: string; digest: string; attempts: number } | undefined> {
    if (base.kind === 'scratch') return undefined;
    const ref = parseReference(base.name);
    const localOnly = ref.registry === 'localhost';
    let attempts = 0;
    if (!localOnly && !this.request.dryRun) {
      ({ attempts } = await withBuildRetries(
        `pull of base image ${base.name}`,
        () =>
          this.run([
            'pull',
            '--retry',
            '0',
            ...(this.request.authFile ? ['--authfile', this.request.authFile] : []),
            ...(certDir ? ['--cert-dir', certDir] : []),
            base.name,
          ]),
        this.request.retry,
        this.log,
      ));
    }
    const digest = ref.digest ?? (await this.localDigest(base.name));
    if (!digest) {
      if (localOnly)
        throw new GateError(
          `base image ${base.name} is not in local storage (localhost/ images are never pulled)`,
        );
      if (this.request.dryRun) return { name: base.name, digest: '', attempts };
      throw new GateError(`base image ${base.name}: pulled, but buildah reports no digest for it`);
    }
    return { name: base.name, digest, attempts };
  }

  async build(): Promise<BuildOutcome> {
    const r = this.request;
    const file = parseContainerfile(readFileSync(r.containerfile, 'utf8'), r.buildArgs, r.containerfile);
    this.env = { ...process.env, BUILDAH_ISOLATION: r.isolation, ...this.registriesEnv(file) };
    const certDir = this.certDir();
    const base = await this.resolveBase(baseImage(file, r.target), certDir);
    const spec = this.spec(
      { ...r.metadata, baseName: base?.name, baseDigest: base?.digest || undefined },
      certDir,
    );
    const digestFile = join(r.workDir, 'digest');
    const build = buildCommand(spec);
    const push = pushCommand(spec, digestFile);
    const outcome: BuildOutcome = {
      image: spec.image,
      digest: null,
      baseImage: base?.name ?? null,
      baseDigest: base?.digest || null,
      cacheHits: 0,
      attempts: { pull: base?.attempts ?? 0, build: 0, push: 0 },
      durationsMs: { build: 0, push: 0 },
    };
    if (r.dryRun)
      return {
        ...outcome,
        commands: [[...this.global, ...build], ...(r.push ? [[...this.global, ...push]] : [])],
      };

    const built = await withBuildRetries(`build of ${spec.image}`, () => this.run(build), r.retry, this.log);
    outcome.attempts.build = built.attempts;
    outcome.durationsMs.build = built.result.durationMs;
    outcome.cacheHits = countCacheHits(built.result.output);
    if (r.push) {
      const pushed = await withBuildRetries(`push of ${spec.image}`, () => this.run(push), r.retry, this.log);
      outcome.attempts.push = pushed.attempts;
      outcome.durationsMs.push = pushed.result.durationMs;
      outcome.digest = readFileSync(digestFile, 'utf8').trim();
    }
    return outcome;
  }
}

/** The registry a FROM names; none for scratch, stage names and short names (which registries.conf resolves). */
function registryOf(from: string): string[] {
  if (!from || from.toLowerCase() === 'scratch' || !from.includes('/')) return [];
  try {
    return [parseReference(from).registry];
  } catch (err) {
    if (err instanceof UsageError) return [];
    throw err;
  }
}
