import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult, type RunCommandOptions } from './command.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/** buildah with its own storage under a temp dir, so tests neither see nor leave images on the machine. */
export interface BuildahStore {
  /** Global options selecting this store; put them before the buildah subcommand. */
  readonly globalArgs: readonly string[];
  /** Environment for buildah and for scripts that call it (TMPDIR inside the store). */
  readonly env: NodeJS.ProcessEnv;
  run(args: readonly string[], options?: RunCommandOptions): Promise<CommandResult>;
  /** Removes the storage, its images and containers. */
  destroy(): void;
}

export function makeBuildahStore(prefix = 'il-buildah'): BuildahStore {
  const dir = makeTempDir(prefix);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const globalArgs = [
    '--storage-driver',
    'vfs',
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
  ];
  const env = { ...process.env, TMPDIR: tmp };
  const run = (args: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> =>
    runCommand('buildah', [...globalArgs, ...args], { env, ...options });
  return {
    globalArgs,
    env,
    run,
    destroy() {
      removeTempDir(dir);
    },
  };
}
