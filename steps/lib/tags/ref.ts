import { UsageError } from '../errors.js';

/** What a build was started for, from the git ref a webhook or a PipelineRun param carries. */
export type GitRef =
  { kind: 'branch'; name: string } | { kind: 'tag'; name: string } | { kind: 'pull'; number: number };

const PULL = /^refs\/(?:pull|merge-requests)\/(\d+)\/(?:head|merge)$/;

/**
 * Accepts `refs/heads/<branch>`, `refs/tags/<tag>`, `refs/pull/<n>/head|merge` (GitHub),
 * `refs/merge-requests/<n>/head` (GitLab), a bare pull-request number (`7` or `#7`), or a bare branch name.
 */
export function parseGitRef(text: string): GitRef {
  const ref = text.trim();
  if (ref === '')
    throw new UsageError(
      '--ref is empty: give refs/heads/<branch>, refs/tags/<tag>, refs/pull/<n>/head or a PR number',
    );
  const pull = PULL.exec(ref) ?? /^#?(\d+)$/.exec(ref);
  if (pull) return { kind: 'pull', number: pullNumber(pull[1] as string, ref) };
  if (ref.startsWith('refs/pull/') || ref.startsWith('refs/merge-requests/')) {
    throw new UsageError(`--ref "${ref}": a pull-request ref looks like refs/pull/<number>/head`);
  }
  for (const [prefix, kind] of [
    ['refs/heads/', 'branch'],
    ['refs/tags/', 'tag'],
  ] as const) {
    if (ref.startsWith(prefix)) {
      const name = ref.slice(prefix.length);
      if (name === '') throw new UsageError(`--ref "${ref}": no ${kind} name after ${prefix}`);
      return { kind, name };
    }
  }
  if (ref.startsWith('refs/'))
    throw new UsageError(`--ref "${ref}": only refs/heads/, refs/tags/ and refs/pull/ refs are understood`);
  return { kind: 'branch', name: ref };
}

function pullNumber(digits: string, ref: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--ref "${ref}": pull-request number must be a positive integer`);
  return n;
}

/** A short commit id as tags carry it: the first 7 hex digits, lower case. */
export function shortSha(sha: string): string {
  const s = sha.trim().toLowerCase();
  if (!/^[0-9a-f]{7,64}$/.test(s))
    throw new UsageError(`--sha "${sha}": expected a git commit id of 7 to 64 hex digits`);
  return s.slice(0, 7);
}
