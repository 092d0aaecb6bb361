import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import type { Logger } from '../tekton/log.js';

export interface RunResult {
  code: number;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  durationMs: number;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * Runs buildah with an argument array (no shell, so no argument is ever interpreted) and passes each line
 * it prints to the log, where the dashboard shows it.
 */
export function runBuildah(args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('buildah', args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    let partial = '';
    const onData = (data: Buffer) => {
      const text = partial + data.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.log.info(line);
      chunks.push(data.toString('utf8'));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new UsageError('buildah is not installed or not on PATH') : err);
    });
    child.once('close', (code, signal) => {
      if (partial) options.log.info(partial);
      resolve({
        code: code ?? (signal ? 128 : 1),
        output: chunks.join(''),
        durationMs: Date.now() - started,
      });
    });
  });
}
