import { cpSync } from 'node:fs';
import { runCommand } from './command.js';

export interface GitRepository {
  /** file:// URL, as git-clone-lite fetches it. */
  url: string;
  commit: string;
}

/**
 * A real git origin holding a copy of `source` as one commit on main (and `tag`, when given), so a pipeline's
 * git-clone fetches it like any remote. The identity and dates are fixed and the user's git config is ignored.
 */
export async function gitRepositoryOf(source: string, dir: string, tag?: string): Promise<GitRepository> {
  cpSync(source, dir, { recursive: true });
  const date = '2025-03-01T10:00:00Z';
  const env = {
    ...process.env,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: dir,
  };
  const git = async (...args: string[]) =>
    (
      await runCommand('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', ...args], {
        cwd: dir,
        env,
      })
    ).stdout.trim();
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('commit', '-q', '-m', 'sample app');
  if (tag) await git('tag', tag);
  return { url: `file://${dir}`, commit: await git('rev-parse', 'HEAD') };
}
