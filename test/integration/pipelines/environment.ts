import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/cli.js';
import { createSeeder } from '../../helpers/seed.js';
import type { TestRegistry } from '../../helpers/registry.js';
import { pushSampleBase, storageIn } from '../build/sample-base.js';

// What the pipeline tests and `make demo` (examples/demo.ts) run the library's pipelines with, on this machine.

export const SAMPLE_APP = join(REPO_ROOT, 'examples', 'sample-app');

/** `--host-tool trivy=` this on a machine without Trivy; TRIVY_REPLAY_REPORT names the report it writes. */
export const TRIVY_REPLAY = join(REPO_ROOT, 'test', 'fixtures', 'runner', 'trivy-replay.sh');

export const trivyReport = (name: 'trivy-clean.json' | 'trivy-linux-amd64.json') =>
  join(REPO_ROOT, 'test', 'fixtures', 'scan', name);

/** Canary steps short enough for a test: half the traffic, a breath, all of it. */
export const QUICK_CANARY = '[{setWeight: 50}, {pause: {duration: 2s}}, {setWeight: 100}]';

export interface SampleBase {
  /** registry/demo/base:1, for the BASE_IMAGE build argument. */
  reference: string;
  digest: string;
}

/** The sample app's base image (this machine's sh, cat and sleep), pushed to the registry; no network needed. */
export async function pushSampleAppBase(registry: TestRegistry, scratch: string): Promise<SampleBase> {
  const reference = `${registry.host}/demo/base:1`;
  const storage = storageIn(scratch, 'sample-base');
  await pushSampleBase(storage, reference);
  rmSync(join(scratch, 'sample-base'), { recursive: true, force: true });
  const pushed = await createSeeder(registry).getManifest('demo/base', '1');
  if (!pushed) throw new Error(`${reference} is not in the registry after the push`);
  return { reference, digest: pushed.digest };
}

/** The Secret the notify Task mounts (notify-webhook, key url), as a directory for --secret. */
export function webhookSecret(dir: string, url: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'url'), url);
  return dir;
}
