import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { step } from '../../../steps/git-clone/main.js';
import { runCommand } from '../../helpers/command.js';
import { runStepInProcess } from '../../helpers/run-step.js';
import { makeTempDir } from '../../helpers/temp-dirs.js';

/** A real repository served over file://: two commits on main, a tag, and a feature branch. */
let origin: string;
const commits: Record<string, string> = {};

async function git(cwd: string, args: string[], date = '2025-03-01T10:00:00Z'): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: cwd,
  };
  return (
    await runCommand('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env })
  ).stdout.trim();
}

beforeAll(async () => {
  origin = makeTempDir('git-origin');
  await git(origin, ['init', '-q', '-b', 'main']);
  writeFileSync(join(origin, 'Containerfile'), 'FROM scratch\n');
  await git(origin, ['add', '.']);
  await git(origin, ['commit', '-q', '-m', 'first'], '2025-03-01T10:00:00Z');
  commits.first = await git(origin, ['rev-parse', 'HEAD']);
  await git(origin, ['tag', 'v1.0.0']);
  writeFileSync(join(origin, 'app.txt'), 'two\n');
  await git(origin, ['add', '.']);
  await git(origin, ['commit', '-q', '-m', 'second'], '2025-03-02T10:00:00Z');
  commits.second = await git(origin, ['rev-parse', 'HEAD']);
  await git(origin, ['checkout', '-q', '-b', 'feature']);
  writeFileSync(join(origin, 'feature.txt'), 'f\n');
  await git(origin, ['add', '.']);
  await git(origin, ['commit', '-q', '-m', 'feature'], '2025-03-03T10:00:00Z');
  commits.feature = await git(origin, ['rev-parse', 'HEAD']);
  await git(origin, ['checkout', '-q', 'main']);
});

const url = () => `file://${origin}`;

describe('image-lifecycle git-clone against a real repository', () => {
  test.each([
    ['the default branch', undefined, 'second', '1740909600'],
    ['a branch', 'feature', 'feature', '1740996000'],
    ['a tag', 'v1.0.0', 'first', '1740823200'],
    ['a commit', 'COMMIT:first', 'first', '1740823200'],
  ])('checks out %s and reports commit, url and committer-date', async (_what, revision, expected, date) => {
    const dir = makeTempDir('git-ws');
    const rev = revision?.startsWith('COMMIT:') ? commits[revision.slice(7)] : revision;
    const run = await runStepInProcess(step, [
      '--url',
      url(),
      '--directory',
      dir,
      ...(rev ? ['--revision', rev] : []),
    ]);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run).toExitWith(0);
    expect(run.results).toEqual({ commit: commits[expected], url: url(), 'committer-date': date });
    expect(await git(dir, ['rev-parse', 'HEAD'])).toBe(commits[expected]);
    expect(existsSync(join(dir, 'Containerfile'))).toBe(true);
  });

  test('checks out into a subdirectory after emptying it, and keeps a shallow history', async () => {
    const dir = makeTempDir('git-ws');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'stale.txt'), 'old run\n');
    writeFileSync(join(dir, 'outside.txt'), 'not ours\n');
    const run = await runStepInProcess(step, ['--url', url(), '--directory', dir, '--subdirectory', 'src']);
    expect(run).toExitWith(0);
    expect(readdirSync(join(dir, 'src')).sort()).toEqual(['.git', 'Containerfile', 'app.txt']);
    expect(readFileSync(join(dir, 'outside.txt'), 'utf8')).toBe('not ours\n');
    expect(await git(join(dir, 'src'), ['rev-list', '--count', 'HEAD'])).toBe('1');
  });

  test("the basic-auth workspace's .gitconfig applies to the clone; an empty one means anonymous", async () => {
    const auth = makeTempDir('git-auth');
    // The URL given is rewritten by the mounted .gitconfig to the real repository: proof it was read.
    writeFileSync(
      join(auth, '.gitconfig'),
      `[url "${url()}"]\n\tinsteadOf = https://git.invalid/acme/app.git\n`,
    );
    writeFileSync(join(auth, '.git-credentials'), 'https://robot:token@git.invalid\n');
    const dir = makeTempDir('git-ws');
    const run = await runStepInProcess(step, [
      '--url',
      'https://git.invalid/acme/app.git',
      '--directory',
      dir,
      '--basic-auth-dir',
      auth,
    ]);
    expect(run).toExitWith(0);
    expect(run.results.commit).toBe(commits.second);
    const anonymous = await runStepInProcess(step, [
      '--url',
      url(),
      '--directory',
      makeTempDir('git-ws'),
      '--basic-auth-dir',
      makeTempDir('git-auth-empty'),
    ]);
    expect(anonymous).toExitWith(0);
  });

  test('a revision the repository does not have fails with exit 1 and one line naming it', async () => {
    const run = await runStepInProcess(step, [
      '--url',
      url(),
      '--directory',
      makeTempDir('git-ws'),
      '--revision',
      'no-such-branch',
    ]);
    expect(run).toExitWith(1);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ERROR')),
    ).toEqual([expect.stringContaining('fetching no-such-branch')]);
    expect(run.results).toEqual({});
  });

  test('a URL or revision git would read as an option is refused (exit 2) before git runs', async () => {
    const dir = makeTempDir('git-ws');
    const evil = await runStepInProcess(step, [
      '--url',
      '--upload-pack=touch /tmp/pwned',
      '--directory',
      dir,
    ]);
    expect(evil).toExitWith(2);
    // As Tekton passes it (two arguments) the flag parser refuses it; joined with "=", the step does.
    expect(
      (await runStepInProcess(step, ['--url', url(), '--directory', dir, '--revision', '--upload-pack=x']))
        .code,
    ).toBe(2);
    const rev = await runStepInProcess(step, [
      '--url',
      url(),
      '--directory',
      dir,
      '--revision=--upload-pack=x',
    ]);
    expect(rev).toExitWith(2);
    expect(rev.stderr).toContain('--revision "--upload-pack=x" must not start with "-"');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('credentials in the URL never reach the log or the results', async () => {
    const run = await runStepInProcess(step, [
      '--url',
      'https://robot:s3cr3t-token@127.0.0.1:1/org/app.git',
      '--directory',
      makeTempDir('git-ws'),
    ]);
    expect(run).toExitWith(3);
    expect(run.stderr).not.toContain('s3cr3t-token');
    expect(run.stderr).toContain('https://***@127.0.0.1:1/org/app.git');
  });
});
