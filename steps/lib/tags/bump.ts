export type BumpLevel = 'major' | 'minor' | 'patch';

// `type(scope)!: subject`, optionally after the short hash `git log --oneline` prints.
const HEADER = /^(?:[0-9a-f]{7,40}\s+)?([A-Za-z]+)(?:\([^()\r\n]*\))?(!)?:\s+\S/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE:\s/;
const LEVEL_OF_TYPE: Record<string, BumpLevel> = { feat: 'minor', fix: 'patch', perf: 'patch' };
const RANK: Record<BumpLevel, number> = { patch: 1, minor: 2, major: 3 };

/**
 * The semver bump Conventional Commits ask for: `feat` → minor, `fix`/`perf` → patch, `!` after the type or
 * a `BREAKING CHANGE:` footer → major; other types (chore, docs, ...) release nothing. Reads the output of
 * `git log --format=%B` (or `%s`, or `--oneline`), commits separated by newlines or NUL bytes.
 */
export function conventionalBump(messages: string): BumpLevel | undefined {
  let level: BumpLevel | undefined;
  const raise = (candidate: BumpLevel) => {
    if (!level || RANK[candidate] > RANK[level]) level = candidate;
  };
  for (const raw of messages.split(/\r?\n|\0/)) {
    const line = raw.trim();
    if (BREAKING_FOOTER.test(line)) raise('major');
    const header = HEADER.exec(line);
    if (!header) continue;
    if (header[2]) raise('major');
    const byType = LEVEL_OF_TYPE[(header[1] ?? '').toLowerCase()];
    if (byType) raise(byType);
  }
  return level;
}
