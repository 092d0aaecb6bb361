// Checks the library's Tekton YAML: Tekton's own admission validation (test/tekton/validate, a Go program
// built on the upstream tektoncd/pipeline and tektoncd/triggers types) and @ibm/tekton-lint.
//
// Usage: node test/tekton/run-harness.mjs [--only validate|lint] [PATH...]
// PATH: YAML files or directories (searched for *.yaml and *.yml; kustomization files are skipped).
// Default: tasks pipelines triggers. Exit status: 0 clean, 1 findings, 2 bad usage or a tool failed to run.
//
// The validator binary is cached in .cache/tekton-validate/<key>/, keyed by the Go toolchain, go.mod,
// go.sum and the program's sources, so it is rebuilt only when one of them changes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

// Located from the script's own path (not import.meta) so the harness runs from any working directory.
const root = path.resolve(path.dirname(process.argv[1]), '..', '..');
const validatorSource = path.join(root, 'test', 'tekton', 'validate');
const cacheRoot = path.join(root, '.cache', 'tekton-validate');
const lintConfig = path.join(root, 'test', 'tekton', '.tektonlintrc.yaml');
const defaultPaths = ['tasks', 'pipelines', 'triggers'];

function usageError(message) {
  process.stderr.write(`run-harness: ${message}\n`);
  process.exit(2);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({ options: { only: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    usageError(err.message);
  }
  const only = parsed.values.only;
  if (only !== undefined && only !== 'validate' && only !== 'lint')
    usageError(`--only must be validate or lint, got "${only}"`);
  const paths =
    parsed.positionals.length > 0 ? parsed.positionals : defaultPaths.map((p) => path.join(root, p));
  return { only, paths };
}

const isYaml = (name) => name.endsWith('.yaml') || name.endsWith('.yml');
const isKustomization = (name) => /^kustomization\.ya?ml$/.test(name);

function yamlFilesUnder(p) {
  if (!existsSync(p)) {
    // The default folders may not exist yet in a young library; a path the caller named must.
    if (defaultPaths.some((d) => path.join(root, d) === p)) return [];
    usageError(`no such file or directory: ${p}`);
  }
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(p, entry.name);
      if (entry.isDirectory()) return yamlFilesUnder(full);
      return isYaml(entry.name) && !isKustomization(entry.name) ? [full] : [];
    });
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) usageError(`cannot run ${command}: ${result.error.message}`);
  return result.status ?? 2;
}

function validatorCacheKey() {
  const hash = createHash('sha256');
  const go = spawnSync('go', ['env', 'GOVERSION', 'GOOS', 'GOARCH'], { encoding: 'utf8' });
  if (go.error || go.status !== 0)
    usageError(`the Go toolchain is needed to build the validator: ${go.error?.message ?? go.stderr}`);
  hash.update(go.stdout);
  const sources = readdirSync(validatorSource)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();
  for (const file of sources) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(validatorSource, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Returns the path of the validator binary, building it first when the cache has none for this source. */
function ensureValidator() {
  const key = validatorCacheKey();
  const binary = path.join(cacheRoot, key, 'tekton-validate');
  if (existsSync(binary)) return binary;
  process.stderr.write('run-harness: building the Tekton validator (first run: a few minutes)...\n');
  const staging = path.join(cacheRoot, `${key}.${process.pid}.tmp`);
  mkdirSync(staging, { recursive: true });
  const status = run('go', ['build', '-trimpath', '-o', path.join(staging, 'tekton-validate'), '.'], {
    cwd: validatorSource,
  });
  if (status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    usageError('building the Tekton validator failed');
  }
  // Older builds are of no further use; the rename makes the new one appear whole to a concurrent run.
  for (const entry of readdirSync(cacheRoot)) {
    if (entry !== path.basename(staging))
      rmSync(path.join(cacheRoot, entry), { recursive: true, force: true });
  }
  renameSync(staging, path.join(cacheRoot, key));
  return binary;
}

function main() {
  const { only, paths } = parseCommandLine();
  const files = paths.flatMap((p) => yamlFilesUnder(path.resolve(p)));
  if (files.length === 0) {
    process.stdout.write('run-harness: no Tekton YAML to check\n');
    return 0;
  }
  const shown = files.map((f) => path.relative(process.cwd(), f) || f);
  let failed = false;
  if (only !== 'lint') {
    const status = run(ensureValidator(), shown);
    if (status > 1) return status;
    failed ||= status !== 0;
  }
  if (only !== 'validate') {
    const lint = path.join(root, 'node_modules', '@ibm', 'tekton-lint', 'dist', 'lint.js');
    const status = run(
      process.execPath,
      [lint, '--config', lintConfig, '--max-warnings', '0', '--no-color', ...shown],
      {
        // tekton-lint keeps a cache of external tasks in the home directory unless told otherwise, and
        // exits 0 whatever it finds when NODE_ENV is "test" (as under jest).
        env: {
          ...process.env,
          TL_CACHE_DIR: path.join(root, '.cache', 'tekton-lint'),
          NODE_ENV: 'production',
        },
      },
    );
    if (status === 0) process.stdout.write(`tekton-lint: ${files.length} files, no problems\n`);
    failed ||= status !== 0;
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
