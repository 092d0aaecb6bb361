/**
 * A short local run of the lifecycle: start a distribution registry on 127.0.0.1, push an image and a
 * two-platform index into it, and run the same `image-lifecycle` steps a Tekton Task runs.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../test/helpers/registry.js';
import { createSeeder } from '../test/helpers/seed.js';
import { runCli } from '../test/helpers/cli.js';

function banner(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

async function step(args: string[]): Promise<number> {
  process.stdout.write(`$ image-lifecycle ${args.join(' ')}\n`);
  const r = await runCli(args);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code ?? 3;
}

async function main(): Promise<void> {
  banner('starting a distribution registry on 127.0.0.1');
  const registry = await startRegistry({ auth: 'none' });
  try {
    process.stdout.write(`registry at ${registry.url}\n`);
    const seeder = createSeeder(registry);
    await seeder.pushImage({
      repo: 'workshop/monitoring-service',
      tag: '1.2.3',
      config: { labels: { 'org.opencontainers.image.version': '1.2.3' } },
    });
    await seeder.pushIndex({
      repo: 'workshop/monitoring-service',
      tag: '1.2.3-multiarch',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64' },
      ],
    });

    const results = mkdtempSync(join(tmpdir(), 'il-demo-results-'));
    banner('inspect: resolve the image before anything deploys it');
    const code = await step([
      'inspect',
      '--image',
      `${registry.host}/workshop/monitoring-service:1.2.3`,
      '--sibling-tags',
      '--results-dir',
      results,
    ]);
    banner('inspect a two-platform index (JSON contract)');
    await step([
      'inspect',
      '--image',
      `${registry.host}/workshop/monitoring-service:1.2.3-multiarch`,
      '--output',
      'json',
      '--results-dir',
      results,
    ]);
    banner('inspect an image that is not there (exit code 1, the ImagePullBackOff the pipeline avoids)');
    const missing = await step([
      'inspect',
      '--image',
      `${registry.host}/workshop/monitoring-service:9.9.9`,
      '--results-dir',
      results,
    ]);

    banner(`Tekton results written to ${results}`);
    for (const name of readdirSync(results).sort())
      process.stdout.write(`${name}=${readFileSync(join(results, name), 'utf8')}\n`);
    if (code !== 0 || missing !== 1)
      throw new Error(`demo expected exit codes 0 and 1, got ${code} and ${missing}`);
    banner('demo finished');
  } finally {
    await registry.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
