import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../../steps/lib/runner/engine.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runCommand } from '../../helpers/command.js';
import { statuses } from '../../helpers/pipeline-run.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

// `make demo` is `make build` then examples/demo.sh: the script is run here as the Makefile runs it, on this
// machine's real registry, buildah and test cluster, and its summary is checked (it exits non-zero on any failure).

test('examples/demo.sh runs build-and-deploy end to end and registry-maintenance in dry run, and says where to look', async () => {
  const dir = makeTempDir('demo');
  const { stdout } = await runCommand('bash', [join(REPO_ROOT, 'examples', 'demo.sh')], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEMO_DIR: dir },
    timeoutMs: 420_000,
  });
  expect(stdout).toMatch(
    /^scan: Trivy is (NOT installed here: the gate judges a recorded Trivy report|installed)/m,
  );
  expect(stdout).toMatch(/^canary analysis: pod checks only/m);
  expect(stdout).toMatch(/^=== summary: make demo finished in \d+s$/m);
  expect(stdout).toMatch(/^build-and-deploy: (Succeeded|Completed) in \d+s$/m);
  expect(stdout).toMatch(/^ {2}tags {6}1\.0\.0,1\.0\.0-[0-9a-f]{7},1\.0,1,latest$/m);
  expect(stdout).toMatch(/^ {2}canary {4}promoted: 127\.0\.0\.1:\d+\/demo\/app@sha256:[0-9a-f]{64}$/m);
  expect(stdout).toMatch(/^ {2}promote {3}staging -> sha256:[0-9a-f]{64}$/m);
  expect(stdout).toMatch(/^registry-maintenance \(dry run\): (Succeeded|Completed) in \d+s$/m);
  expect(stdout).toMatch(/^ {2}retention {3}would delete 2 tag\(s\), keeps \d+$/m);
  expect(stdout).toMatch(/^ {2}registry {4}unchanged by the dry run$/m);
  expect(stdout).toMatch(/^where to look:$/m);

  const record = JSON.parse(readFileSync(join(dir, 'build-and-deploy.json'), 'utf8')) as RunRecord;
  expect(statuses(record)).toMatchObject({
    'fetch-source': 'Succeeded',
    build: 'Succeeded',
    scan: 'Succeeded',
    tag: 'Succeeded',
    verify: 'Succeeded',
    canary: 'Succeeded',
    promote: 'Succeeded',
    'rollback-if-needed': 'Skipped',
    'notify-success': 'Succeeded',
  });
  expect(readFileSync(join(dir, 'registry-maintenance', 'retention-plan.json'), 'utf8')).toContain(
    '"dryRun": true',
  );
}, 480_000);
