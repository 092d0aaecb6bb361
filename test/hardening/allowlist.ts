import type { FlagKind } from './flag-kinds.js';
import type { AnyStep } from './world.js';

/**
 * Inputs from the corpus that a step may legitimately accept, each with the reason. An allowed input still
 * runs: it passes when the step refuses it cleanly (exit 2, one line) or accepts it cleanly (exit 0 or 1, no
 * internal error); it fails when it crashes. An entry matches on every field it names; `case` may end in `*`
 * to cover a family (`injection-*`).
 */
export interface Allowance {
  step?: string;
  flag?: string;
  kind?: FlagKind;
  case: string;
  reason: string;
  /** The step may quote what it read from the file, e.g. the offending line of a list. */
  quotesContent?: boolean;
  /** Only for the steps this holds for. */
  applies?: (def: AnyStep) => boolean;
}

const FREE_TEXT =
  'free text (a name, title, label or message) recorded as given: never run by a shell, and quoted when printed';

export const ALLOWLIST: readonly Allowance[] = [
  {
    flag: 'results-dir',
    case: '*',
    applies: (def) => def.results.length === 0,
    reason:
      'a step that has no results never writes the directory, so it is not checked (run on a laptop has no /tekton/results)',
  },
  { kind: 'text', case: 'injection-*', reason: FREE_TEXT },
  { kind: 'text', case: 'rtl-override', reason: FREE_TEXT },
  { kind: 'text', case: 'long', reason: `${FREE_TEXT}; the flag parser bounds its length` },
  {
    kind: 'count',
    case: 'padded',
    reason: 'white space around a number is ignored, as around any YAML scalar',
  },
  {
    step: 'compute-tags',
    kind: 'git-ref',
    case: '*',
    reason:
      'any branch or tag name is turned into a valid, collision-free image tag by the sanitizer (steps/lib/tags/sanitize.ts)',
  },
  {
    step: 'compute-tags',
    flag: 'commit-messages-file',
    case: 'file-*',
    reason: 'commit messages are free text; text without Conventional Commit headers simply bumps nothing',
  },
  {
    step: 'scan-gate',
    flag: 'policy',
    case: 'file-empty',
    reason:
      'an empty policy file (e.g. a ConfigMap key left blank) means the default policy, as documented in --help',
  },
  {
    step: 'tag',
    flag: 'tags-file',
    case: 'file-*',
    quotesContent: true,
    reason:
      'one tag per line or a JSON array: `42` is a tag, an empty file means no tags, and a wrong line is quoted (cut to 80 characters) so it can be fixed',
  },
  {
    step: 'tag',
    flag: 'immutable-tags-file',
    case: 'file-*',
    quotesContent: true,
    reason: 'as --tags-file',
  },
  {
    step: 'pin-images',
    flag: 'path',
    case: 'file-*',
    reason:
      'pin-images copies whatever files it is given; only YAML documents that name images are rewritten',
  },
  {
    step: 'build',
    flag: 'docker-config',
    case: 'file-*',
    reason: 'build --dry-run runs no buildah, and buildah is what reads the auth file (--authfile)',
  },
  {
    step: 'build',
    flag: 'revision',
    case: '*',
    reason:
      'org.opencontainers.image.revision is any VCS revision (a git commit, an hg changeset, an svn number), recorded as given',
  },
  {
    step: 'compute-tags',
    flag: 'sha',
    case: 'too-long',
    reason:
      'an abbreviated commit id may have any length from 7 to 64 hex digits (SHA-1 or SHA-256 repositories)',
  },
  {
    step: 'notify',
    flag: 'digest',
    case: 'unknown-algorithm',
    reason:
      'the OCI digest grammar admits algorithms besides sha256 and sha512; notify only shows the digest',
  },
  {
    flag: 'bearer-token-file',
    case: 'file-missing',
    reason:
      'the Tasks always mount the optional token Secret: no file there means the Pushgateway needs no token (documented in --help)',
  },
  {
    flag: 'bearer-token-file',
    case: 'file-*',
    reason:
      'a token is opaque: any one line of visible ASCII is a token, and the Pushgateway is the judge of it',
  },
  {
    kind: 'regex',
    case: 'long',
    reason: 'a long regular expression is still a valid one; it matches what it says',
  },
  {
    step: 'canary',
    flag: 'analysis',
    case: 'file-empty',
    reason: 'an empty analysis document means no analysis, the same as leaving --analysis out',
  },
  {
    step: 'metrics',
    flag: 'pull-durations-file',
    case: 'file-list',
    reason:
      'documented input: {"pulls": [...]} or a bare array of pulls or of plain numbers of seconds, so [1, 2, 3] is three pulls',
  },
  {
    step: 'git-clone',
    flag: 'url',
    case: 'file',
    reason: "file:// is one of git's transports; /etc/passwd is then a repository that is not there (exit 1)",
  },
];

export function allowance(
  def: AnyStep,
  flag: string | undefined,
  kind: FlagKind | undefined,
  caseId: string,
): Allowance | undefined {
  return ALLOWLIST.find(
    (a) =>
      (a.applies === undefined || a.applies(def)) &&
      (a.step === undefined || a.step === def.name) &&
      (a.flag === undefined || a.flag === flag) &&
      (a.kind === undefined || a.kind === kind) &&
      (a.case.endsWith('*') ? caseId.startsWith(a.case.slice(0, -1)) : a.case === caseId),
  );
}
