import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../helpers/command.js';

const TOOLS = ['/bin/sh', '/bin/cat', '/bin/sleep'];

/** The shared libraries a binary loads, as ldd lists them. */
async function libraries(binaries: readonly string[]): Promise<string[]> {
  const { stdout } = await runCommand('ldd', [...binaries]);
  return [...new Set(stdout.match(/\/\S+\.so[^\s)]*/g) ?? [])];
}

export interface BuildahStorage {
  root: string;
  runRoot: string;
}

export function storageIn(dir: string, name: string): BuildahStorage {
  return { root: join(dir, name, 'root'), runRoot: join(dir, name, 'runroot') };
}

/** The build step's flags for this storage (vfs: the only driver that works here without fuse). */
export function buildStepStorageFlags(storage: BuildahStorage): string[] {
  return ['--storage-driver', 'vfs', '--storage-root', storage.root, '--run-root', storage.runRoot];
}

export function buildahArgs(storage: BuildahStorage): string[] {
  return ['--storage-driver', 'vfs', '--root', storage.root, '--runroot', storage.runRoot];
}

/**
 * The sample app's base image, made without any network: this machine's own shell, cat and sleep with
 * their libraries, committed from scratch and pushed to the test registry.
 */
export async function pushSampleBase(storage: BuildahStorage, reference: string): Promise<void> {
  const buildah = (args: string[]) =>
    runCommand('buildah', [...buildahArgs(storage), ...args], {
      timeoutMs: 120_000,
      label: `buildah ${args[0]}`,
    });
  const container = (await buildah(['from', 'scratch'])).stdout.trim();
  for (const file of [...TOOLS, ...(await libraries(TOOLS))])
    await buildah(['copy', container, realpathSync(file), file]);
  await buildah(['commit', '--format', 'oci', container, 'localhost/image-lifecycle/sample-base:latest']);
  await buildah([
    'push',
    '--tls-verify=false',
    'localhost/image-lifecycle/sample-base:latest',
    `docker://${reference}`,
  ]);
}
