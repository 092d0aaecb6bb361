import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStep, type StepDefinition } from '../../steps/lib/tekton/step.js';
import { makeTempDir } from './temp-dirs.js';

export interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every result file the run left in its results directory. */
  results: Record<string, string>;
}

/**
 * Runs a step the way the CLI does, in this process, with a fresh results directory, and keeps everything
 * it printed and wrote, so tests can assert on exit code, output and results together.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- steps differ in their flag types
export async function runStepInProcess(step: StepDefinition<any>, argv: readonly string[]): Promise<StepRun> {
  const dir = makeTempDir('step-results');
  const out: string[] = [];
  const err: string[] = [];
  const code = await runStep(step, [...argv, '--results-dir', dir], {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  });
  const results: Record<string, string> = {};
  for (const name of readdirSync(dir)) results[name] = readFileSync(join(dir, name), 'utf8');
  return { code, stdout: out.join(''), stderr: err.join(''), results };
}
