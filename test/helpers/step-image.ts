import { resolve } from 'node:path';
import type { BuildahStore } from './buildah-store.js';
import { runCommand } from './command.js';
import { buildLocalNodeImage } from './node-base-image.js';

const REPO_ROOT = resolve(__dirname, '../..');
const BUILD_TIMEOUT_MS = 10 * 60_000;

/**
 * Builds a step's real image with images/build-images.sh into a test's buildah store, on a Node base assembled from
 * this machine (nothing pulled; only the builder stage's npm reaches the npm registry). Returns the image name,
 * `<prefix>/<step>:test`. About a minute on two cores, mostly vfs layer copies.
 */
export async function buildStepImage(
  store: BuildahStore,
  step: string,
  prefix = 'localhost/il-test',
): Promise<string> {
  const base = await buildLocalNodeImage(store);
  await runCommand(resolve(REPO_ROOT, 'images/build-images.sh'), [step], {
    cwd: REPO_ROOT,
    timeoutMs: BUILD_TIMEOUT_MS,
    env: {
      ...store.env,
      BUILDAH_OPTS: store.globalArgs.join(' '),
      PULL: 'never',
      LAYERS: 'false',
      BUILDER_IMAGE: base,
      BASE_IMAGE: base,
      IMAGE_PREFIX: prefix,
      VERSION: 'test',
    },
  });
  return `${prefix}/${step}:test`;
}
