import { ExitCode } from '../errors.js';

export type FailureKind = 'transient' | 'run' | 'auth' | 'base-unknown' | 'syntax' | 'input' | 'build';

export interface BuildFailure {
  kind: FailureKind;
  /** Worth another attempt: the registry or the network, not the Containerfile or the credentials. */
  transient: boolean;
  /** The exit code once retries are over (or at once, for permanent failures). */
  exitCode: 1 | 2 | 3;
  /** buildah's own error, on one line, to quote to the reader. */
  message: string;
}

interface Rule {
  kind: FailureKind;
  pattern: RegExp;
}

/**
 * First match wins, and only buildah's final error is matched, not the build's output: a RUN step that prints
 * "connection refused" is still a failing RUN. The RUN rule comes first because the error quotes the command,
 * which may say anything.
 */
const RULES: Rule[] = [
  { kind: 'run', pattern: /building at STEP "RUN\b.*": exit status \d+$/ },
  {
    kind: 'auth',
    pattern:
      /\bunauthorized\b|\bdenied\b|authentication required|invalid username\/password|insufficient_scope|\b401 Unauthorized\b|\b403 Forbidden\b/i,
  },
  {
    kind: 'base-unknown',
    pattern:
      /manifest unknown|name unknown|repository name not known|image not known|reading manifest [^:]+: not found/i,
  },
  {
    kind: 'syntax',
    pattern:
      /Unknown instruction|requires (?:at least |exactly )?(?:one|two|\d+) arguments?|no FROM statement found|no stage or image found with that name|dockerfile parse error|unexpected end of statement|Syntax error - can't find = in/i,
  },
  {
    kind: 'input',
    pattern:
      /The target ".*" was not found|repository name must be lowercase|invalid reference format|server gave HTTP response to HTTPS client|x509: certificate|evaluating symlinks in build context|no such file or directory: .*(?:Containerfile|Dockerfile)/i,
  },
  {
    kind: 'transient',
    pattern:
      /(?:status|code)\D{0,20}\b(?:429|50[0234])\b|\b(?:429|50[0234]) \(?(?:Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)|toomanyrequests|too many requests|\bEOF\b|connection reset|connection refused|broken pipe|i\/o timeout|TLS handshake timeout|Client\.Timeout exceeded|context deadline exceeded|timeout awaiting|temporary failure in name resolution|server misbehaving|use of closed network connection/i,
  },
];

const EXIT: Record<FailureKind, 1 | 2 | 3> = {
  transient: ExitCode.infra,
  run: ExitCode.gate,
  auth: ExitCode.gate,
  'base-unknown': ExitCode.gate,
  build: ExitCode.gate,
  syntax: ExitCode.usage,
  input: ExitCode.usage,
};

/**
 * buildah's final error: from its last `Error: ` line to the end (some errors span lines, e.g. a registry's
 * list of errors), on one line. Without such a line, the last line of output.
 */
export function finalError(output: string): string {
  const lines = output.split('\n').map((l) => l.trimEnd());
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]?.startsWith('Error: ')) {
      start = i;
      break;
    }
  }
  const tail = start >= 0 ? lines.slice(start) : lines.filter((l) => l.trim()).slice(-1);
  return (
    tail
      // buildah appends a Go struct dump of the failing step to some errors; the step is already named.
      .map((l) => l.replace(/ &imagebuilder\.Step\{.*$/, '').trim())
      .filter(Boolean)
      .join(' | ')
      .replace(/^Error: /, '')
  );
}

/** Classifies a failed buildah run from what it printed. Anything unrecognized is a permanent build error. */
export function classifyFailure(output: string): BuildFailure {
  const message = finalError(output) || 'buildah failed without an error message';
  const kind = RULES.find((r) => r.pattern.test(message))?.kind ?? 'build';
  return { kind, transient: kind === 'transient', exitCode: EXIT[kind], message };
}
