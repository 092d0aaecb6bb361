import { spawn } from 'node:child_process';
import {
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import { GateError, InfraError, UsageError } from '../errors.js';
import type { Logger } from '../tekton/log.js';
import { redact } from '../tekton/redact.js';

export interface CloneOptions {
  url: string;
  /** Branch, tag, commit or ref; empty: the remote's default branch. */
  revision: string;
  /** Commits to fetch; 0 fetches the whole history. */
  depth: number;
  /** The workspace directory, and the subdirectory in it to check out into. */
  directory: string;
  subdirectory: string;
  deleteExisting: boolean;
  sslVerify: boolean;
  /** A directory holding .git-credentials and .gitconfig (the catalog's basic-auth workspace). */
  basicAuthDir?: string;
  caFile?: string;
}

export interface CloneResult {
  commit: string;
  url: string;
  /** Seconds since the epoch, as `git log --pretty=%ct` prints it. */
  committerDate: string;
  path: string;
}

const URL_SCHEMES = new Set(['http:', 'https:', 'ssh:', 'git:', 'file:']);
/** scp-like addresses: user@host:path, or host.domain:path (a bare word before ":" would be a URL scheme). */
const SCP_LIKE = /^(?:[\w.-]+@[\w.-]+|[\w-]+(?:\.[\w-]+)+):\S+$/;

/** What git clones from: a URL of a git transport, an scp-like address, or a local repository directory. */
function isGitSource(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      return URL_SCHEMES.has(parsed.protocol) && (parsed.protocol === 'file:' || parsed.hostname !== '');
    } catch {
      return false;
    }
  }
  return SCP_LIKE.test(url) || isDirectory(url);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Checks everything before anything is fetched or created. Values git would read as options (a URL or revision
 * starting with "-") are injection attempts; a URL of no git transport, or a credentials directory that is not
 * there, would otherwise surface as a fetch that "failed" (exit 1) instead of as the input mistake it is.
 */
export function validateCloneOptions(o: CloneOptions): void {
  if (!o.url.trim()) throw new UsageError('git-clone: --url is required');
  if (o.url.startsWith('-'))
    throw new UsageError(`git-clone: --url "${redact(o.url)}" must not start with "-"`);
  if (/[\s\0]/.test(o.url) || !isGitSource(o.url))
    throw new UsageError(
      `git-clone: --url "${redact(o.url)}" is not a git URL (https://, ssh://, git://, file://, user@host:path) nor a local directory`,
    );
  if (o.revision.startsWith('-'))
    throw new UsageError(`git-clone: --revision "${o.revision}" must not start with "-"`);
  // No branch, tag or commit holds white space, and none is longer than git's ref names can be.
  if (/[\s\0]/.test(o.revision) || o.revision.length > 1024)
    throw new UsageError(
      `git-clone: --revision "${o.revision.slice(0, 80)}" is not a branch, tag, commit or ref`,
    );
  if (!Number.isSafeInteger(o.depth) || o.depth < 0)
    throw new UsageError(`git-clone: --depth must be a whole number >= 0`);
  if (o.basicAuthDir && !isDirectory(o.basicAuthDir))
    throw new UsageError(`git-clone: --basic-auth-dir "${o.basicAuthDir}" is not a directory`);
  if (o.caFile && !existsSync(o.caFile)) throw new UsageError(`git-clone: --ssl-ca-dir has no ${o.caFile}`);
  const sub = normalize(o.subdirectory || '.');
  if (isAbsolute(sub) || sub === '..' || sub.startsWith('../')) {
    throw new UsageError(
      `git-clone: --subdirectory "${o.subdirectory}" must stay inside the output directory`,
    );
  }
}

interface GitRun {
  stdout: string;
  stderr: string;
  code: number;
}

function runGit(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new UsageError('git-clone: the git program is not installed in this image or on PATH')
          : err,
      ),
    );
    child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 1 }));
  });
}

const NETWORK =
  /could not resolve host|couldn't connect to server|failed to connect|connection refused|connection timed out|operation timed out|network is unreachable|connection reset|early eof|gnutls|tls connection|ssl_connect|the remote end hung up unexpectedly|HTTP 50[234]|error: 429/i;

/** git's last meaningful line, for a one-line error. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('hint:'));
  return redact(lines.slice(-1)[0] ?? 'no output');
}

/** Deletes what the directory holds, not the directory: it may be the root of a mounted volume. */
function emptyDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/**
 * Fetches one revision into the directory and checks it out detached, the way the Tekton catalog's git-clone
 * does, with the git on PATH. Failures: an unknown revision, a missing repository or refused credentials are
 * exit 1; a network failure is exit 3; a URL or revision that git would read as an option is exit 2.
 */
export async function cloneRepository(o: CloneOptions, log: Logger): Promise<CloneResult> {
  validateCloneOptions(o);
  const path = join(o.directory, normalize(o.subdirectory || '.'));
  if (o.deleteExisting) emptyDirectory(path);
  mkdirSync(path, { recursive: true });
  // A private HOME: credentials are copied there and nothing of the image's or the host's git config applies.
  const home = mkdtempSync(join(tmpdir(), 'git-clone-home-'));
  try {
    // The TriggerTemplates bind the git-credentials Secret as optional: an empty directory means anonymous.
    for (const file of o.basicAuthDir ? ['.git-credentials', '.gitconfig'] : []) {
      const from = join(o.basicAuthDir ?? '', file);
      if (!existsSync(from)) continue;
      copyFileSync(from, join(home, file));
      chmodSync(join(home, file), 0o400);
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    const config = [
      '-c',
      'safe.directory=*',
      '-c',
      `http.sslVerify=${o.sslVerify}`,
      ...(o.caFile ? ['-c', `http.sslCAInfo=${o.caFile}`] : []),
    ];
    const git = async (args: string[], what: string): Promise<string> => {
      const run = await runGit([...config, ...args], env, path);
      if (run.code === 0) return run.stdout.trim();
      const message = `git-clone: ${what} failed: ${lastLine(run.stderr)}`;
      throw NETWORK.test(run.stderr) ? new InfraError(message) : new GateError(message);
    };
    await git(['init', '-q', '.'], 'git init');
    await git(['remote', 'remove', 'origin'], 'git remote').catch(() => undefined);
    await git(['remote', 'add', 'origin', o.url], 'git remote add');
    const depth = o.depth > 0 ? [`--depth=${o.depth}`] : [];
    const what = o.revision
      ? `fetching ${o.revision} from ${redact(o.url)}`
      : `fetching the default branch of ${redact(o.url)}`;
    log.info(what);
    await git(['fetch', '--quiet', '--no-tags', ...depth, 'origin', o.revision || 'HEAD'], what);
    await git(['checkout', '--quiet', '--force', 'FETCH_HEAD'], 'git checkout');
    const commit = await git(['rev-parse', 'HEAD'], 'git rev-parse');
    const committerDate = await git(['log', '-1', '--pretty=%ct'], 'git log');
    log.info(`checked out ${commit} in ${path}`);
    return { commit, url: o.url, committerDate, path };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
