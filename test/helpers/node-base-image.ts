import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuildahStore } from './buildah-store.js';
import { runCommand } from './command.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/**
 * What images/Containerfile needs from a base besides Node: the shell and coreutils of the builder stage's RUN
 * lines, and /usr/bin/env for the bundle's `#!/usr/bin/env node`.
 */
const PROGRAMS: Record<string, string> = {
  '/usr/bin/node': process.execPath,
  '/usr/bin/env': '/usr/bin/env',
  '/bin/sh': '/bin/sh',
  '/usr/bin/install': '/usr/bin/install',
  '/usr/bin/mkdir': '/usr/bin/mkdir',
  '/usr/bin/ln': '/usr/bin/ln',
};
const NPM_DIR = '/usr/lib/node_modules/npm';
/** The machine's trust anchors: npm in the builder stage reaches the registry through whatever this host trusts. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Builds a Node base image from this machine's own node, npm and shared libraries (`buildah from scratch`),
 * so image builds in tests pull nothing from the internet. Returns the image name.
 */
export async function buildLocalNodeImage(
  store: BuildahStore,
  name = 'localhost/il-test-node:latest',
): Promise<string> {
  const rootfs = makeTempDir('il-node-rootfs');
  try {
    for (const [target, source] of Object.entries(PROGRAMS)) {
      copyInto(rootfs, target, source);
      for (const library of await sharedLibraries(source)) copyInto(rootfs, library, library);
    }
    cpSync(NPM_DIR, join(rootfs, NPM_DIR), { recursive: true, verbatimSymlinks: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, '/usr/bin/npm'));
    mkdirSync(join(rootfs, dirname(CA_BUNDLE)), { recursive: true });
    copyFileSync(CA_BUNDLE, join(rootfs, CA_BUNDLE));
    writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
    for (const dir of ['root', 'tmp']) mkdirSync(join(rootfs, dir));
    chmodSync(join(rootfs, 'tmp'), 0o1777);

    const container = (await store.run(['from', 'scratch'])).stdout.trim();
    await store.run(['copy', container, rootfs, '/']);
    await store.run([
      'config',
      '--env',
      'PATH=/usr/local/bin:/usr/bin:/bin',
      '--env',
      `NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
      container,
    ]);
    await store.run(['commit', '--rm', container, name]);
    return name;
  } finally {
    removeTempDir(rootfs);
  }
}

/** Absolute paths of the libraries `ldd` says the program loads, the dynamic loader included. */
async function sharedLibraries(program: string): Promise<string[]> {
  const { stdout } = await runCommand('ldd', [program]);
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1] as string);
}

function copyInto(rootfs: string, target: string, source: string): void {
  const destination = join(rootfs, target);
  mkdirSync(dirname(destination), { recursive: true });
  copyFileSync(realpathSync(source), destination);
  chmodSync(destination, 0o755);
}
