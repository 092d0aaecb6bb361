import { join } from 'node:path';
import { cloneRepository } from '../lib/git/clone.js';
import { UsageError } from '../lib/errors.js';
import { registerSecret } from '../lib/tekton/redact.js';
import { defineStep } from '../lib/tekton/step.js';

const bool = { type: 'string', choices: ['true', 'false'] } as const;

export const step = defineStep({
  name: 'git-clone',
  summary:
    'Check out one revision of a git repository into a directory and report the commit (git-clone-lite).',
  flags: {
    url: { type: 'string', required: true, description: 'Repository URL', valueName: 'URL' },
    revision: {
      type: 'string',
      description: 'Branch, tag, commit or ref (default: the remote default branch)',
      valueName: 'REV',
    },
    depth: {
      type: 'string',
      default: '1',
      description: 'Commits to fetch; 0 for the whole history',
      valueName: 'N',
    },
    directory: {
      type: 'string',
      required: true,
      description: 'Directory to check out into (the output workspace)',
      valueName: 'DIR',
    },
    subdirectory: {
      type: 'string',
      default: '',
      description: 'Subdirectory of --directory to check out into',
      valueName: 'PATH',
    },
    'delete-existing': { ...bool, default: 'true', description: 'Empty the checkout directory first' },
    'ssl-verify': { ...bool, default: 'true', description: 'Verify the server certificate (http.sslVerify)' },
    'basic-auth-dir': {
      type: 'string',
      description: 'Directory with .git-credentials and .gitconfig (a Secret)',
      valueName: 'DIR',
    },
    'ssl-ca-dir': {
      type: 'string',
      description: 'Directory with CA certificates to trust for HTTPS (a ConfigMap)',
      valueName: 'DIR',
    },
    'crt-filename': {
      type: 'string',
      default: 'ca-bundle.crt',
      description: 'File in --ssl-ca-dir holding the CA bundle',
      valueName: 'NAME',
    },
  },
  results: ['commit', 'url', 'committer-date'],
  details: [
    "Fetches with the git on PATH, like the Tekton catalog's git-clone, whose params, results and workspaces the",
    'git-clone-lite Task keeps: the two can replace each other in a Pipeline.',
    'Exit codes: 0 checked out; 1 the repository or revision is not there, or the credentials were refused;',
    '2 bad input; 3 the git server stayed unreachable.',
  ].join('\n'),
  async run({ flags, log, results, emit }) {
    // A token in the URL (https://user:token@host/...) must never reach a log line or a result.
    const credentials = /^[a-z][a-z0-9+.-]*:\/\/([^/@]+)@/i.exec(flags.url)?.[1];
    registerSecret(credentials?.split(':')[1]);
    const depth = Number(flags.depth);
    if (!/^\d+$/.test(flags.depth) || !Number.isSafeInteger(depth))
      throw new UsageError(`git-clone: --depth "${flags.depth}" must be a whole number`);
    const cloned = await cloneRepository(
      {
        url: flags.url,
        revision: flags.revision ?? '',
        depth,
        directory: flags.directory,
        subdirectory: flags.subdirectory,
        deleteExisting: flags['delete-existing'] === 'true',
        sslVerify: flags['ssl-verify'] === 'true',
        basicAuthDir: flags['basic-auth-dir'] || undefined,
        // An unbound workspace's path is "": no CA directory, the system CAs only.
        caFile: flags['ssl-ca-dir'] ? join(flags['ssl-ca-dir'], flags['crt-filename']) : undefined,
      },
      log,
    );
    results.set('commit', cloned.commit).set('url', cloned.url).set('committer-date', cloned.committerDate);
    emit(cloned, () => `${cloned.commit} ${cloned.path}`);
  },
});
