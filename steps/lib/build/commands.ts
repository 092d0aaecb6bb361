/** What one build does, as buildah needs it. Pure data: commands.ts turns it into argument arrays. */
export interface BuildSpec {
  image: string;
  containerfile: string;
  context: string;
  target?: string;
  buildArgs: ReadonlyMap<string, string>;
  layers: boolean;
  cacheFrom?: string;
  cacheTo?: string;
  cacheTtl?: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  format: 'oci' | 'docker';
  isolation: string;
  authFile?: string;
  certDir?: string;
  /** Use images already in storage rather than checking the registry for newer ones. */
  pullMissingOnly?: boolean;
}

const pairs = (flag: string, entries: Iterable<[string, string]>) =>
  [...entries].flatMap(([k, v]) => [flag, `${k}=${v}`]);

/**
 * `buildah build` arguments. buildah's own retries are off (--retry 0): the step retries the whole command
 * when the failure is transient, with one policy and one log line per attempt.
 */
export function buildCommand(spec: BuildSpec): string[] {
  return [
    'build',
    '--file',
    spec.containerfile,
    '--tag',
    spec.image,
    '--format',
    spec.format,
    '--isolation',
    spec.isolation,
    '--retry',
    '0',
    ...(spec.pullMissingOnly ? ['--pull=false'] : []),
    ...(spec.layers ? ['--layers'] : ['--layers=false']),
    ...(spec.cacheFrom ? ['--cache-from', spec.cacheFrom] : []),
    ...(spec.cacheTo ? ['--cache-to', spec.cacheTo] : []),
    ...(spec.cacheTtl ? ['--cache-ttl', spec.cacheTtl] : []),
    ...(spec.target ? ['--target', spec.target] : []),
    ...(spec.authFile ? ['--authfile', spec.authFile] : []),
    ...(spec.certDir ? ['--cert-dir', spec.certDir] : []),
    ...pairs('--build-arg', spec.buildArgs),
    ...pairs('--label', Object.entries(spec.labels)),
    ...pairs('--annotation', Object.entries(spec.annotations)),
    spec.context,
  ];
}

export function pushCommand(spec: BuildSpec, digestFile: string): string[] {
  return [
    'push',
    '--retry',
    '0',
    '--digestfile',
    digestFile,
    ...(spec.authFile ? ['--authfile', spec.authFile] : []),
    ...(spec.certDir ? ['--cert-dir', spec.certDir] : []),
    spec.image,
    `docker://${spec.image}`,
  ];
}

/** Steps buildah answered from its layer cache, local or pulled from --cache-from. */
export function countCacheHits(output: string): number {
  return output.split('\n').filter((line) => /^--> Using cache [0-9a-f]{12,}/.test(line.trim())).length;
}
