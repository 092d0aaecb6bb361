import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './command.js';
import type { Credentials } from './credentials.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

export interface BuildahImageOptions {
  /** host:port of the registry, e.g. TestRegistry.host. */
  registryHost: string;
  repo: string;
  tag: string;
  /** Files to put in the image, path inside the image → content. Default one small file. */
  files?: Record<string, string>;
  labels?: Record<string, string>;
  format?: 'oci' | 'docker';
  credentials?: Credentials;
}

export interface BuildahImage {
  reference: string;
  /** The manifest digest buildah pushed. */
  digest: string;
}

function userPass({ username, password }: Credentials): string {
  return `${username}:${password}`;
}

/** skopeo's `--creds`, `--src-creds`, `--dest-creds`, or their explicit anonymous form. */
function skopeoCredentials(prefix: '' | 'src-' | 'dest-', credentials: Credentials | undefined): string[] {
  return credentials ? [`--${prefix}creds`, userPass(credentials)] : [`--${prefix}no-creds`];
}

/** Environment for the container tools: temp files and auth lookups stay inside our own directory. */
function toolEnv(dir: string): NodeJS.ProcessEnv {
  const authFile = join(dir, 'auth.json');
  writeFileSync(authFile, '{"auths":{}}');
  return { ...process.env, TMPDIR: dir, REGISTRY_AUTH_FILE: authFile, BUILDAH_ISOLATION: 'chroot' };
}

/**
 * Builds a tiny image from scratch with buildah (vfs storage in a temp dir) and pushes it over plain HTTP.
 * An independent producer: images made by a real build tool rather than by our own seeding code.
 */
export async function buildahPushImage(options: BuildahImageOptions): Promise<BuildahImage> {
  const dir = makeTempDir('buildah-seed');
  const env = toolEnv(dir);
  const storage = ['--storage-driver', 'vfs', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot')];
  const buildah = (args: string[]): Promise<{ stdout: string }> =>
    runCommand('buildah', [...storage, ...args], { env, timeoutMs: 120_000, label: `buildah ${args[0]}` });
  const reference = `${options.registryHost}/${options.repo}:${options.tag}`;
  try {
    const container = (await buildah(['from', 'scratch'])).stdout.trim();
    const files = options.files ?? { '/seeded-by-buildah.txt': `${reference}\n` };
    for (const [index, [path, content]] of Object.entries(files).entries()) {
      const source = join(dir, `file-${index}`);
      writeFileSync(source, content);
      await buildah(['copy', container, source, path]);
    }
    const labels = Object.entries(options.labels ?? {}).flatMap(([key, value]) => [
      '--label',
      `${key}=${value}`,
    ]);
    if (labels.length > 0) await buildah(['config', ...labels, container]);
    const localName = `localhost/buildah-seed/${options.repo}:${options.tag}`;
    await buildah(['commit', '--format', options.format ?? 'oci', container, localName]);
    const digestFile = join(dir, 'digest');
    await buildah([
      'push',
      '--tls-verify=false',
      ...(options.credentials ? ['--creds', userPass(options.credentials)] : []),
      '--digestfile',
      digestFile,
      localName,
      `docker://${reference}`,
    ]);
    return { reference, digest: readFileSync(digestFile, 'utf8').trim() };
  } finally {
    removeTempDir(dir);
  }
}

export interface SkopeoInspectOptions {
  credentials?: Credentials;
  /** The manifest as stored (`--raw`) instead of skopeo's summary. */
  raw?: boolean;
}

/** `skopeo inspect` of a docker:// reference (no transport prefix needed), parsed. */
export async function skopeoInspect(
  reference: string,
  options: SkopeoInspectOptions = {},
): Promise<Record<string, unknown>> {
  const dir = makeTempDir('skopeo');
  try {
    const { stdout } = await runCommand(
      'skopeo',
      [
        'inspect',
        '--tls-verify=false',
        ...skopeoCredentials('', options.credentials),
        ...(options.raw ? ['--raw'] : []),
        `docker://${reference}`,
      ],
      { env: toolEnv(dir) },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    removeTempDir(dir);
  }
}

export interface SkopeoCopyOptions {
  srcCredentials?: Credentials;
  destCredentials?: Credentials;
  /** Copy every platform of an index, not just the one matching this machine. */
  all?: boolean;
  /**
   * Fail rather than change the digest. Without it skopeo may gzip uncompressed layers (such as the seeder's
   * OCI tar layers) on the way to a registry, and the copy then gets a new manifest digest.
   */
  preserveDigests?: boolean;
}

/** `skopeo copy` between two docker:// references on test registries; returns the digest written. */
export async function skopeoCopy(
  source: string,
  destination: string,
  options: SkopeoCopyOptions = {},
): Promise<string> {
  const dir = makeTempDir('skopeo');
  const digestFile = join(dir, 'digest');
  try {
    await runCommand(
      'skopeo',
      [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        ...skopeoCredentials('src-', options.srcCredentials),
        ...skopeoCredentials('dest-', options.destCredentials),
        ...(options.all ? ['--all'] : []),
        ...(options.preserveDigests ? ['--preserve-digests'] : []),
        '--digestfile',
        digestFile,
        `docker://${source}`,
        `docker://${destination}`,
      ],
      { env: toolEnv(dir), timeoutMs: 120_000 },
    );
    return readFileSync(digestFile, 'utf8').trim();
  } finally {
    removeTempDir(dir);
  }
}
