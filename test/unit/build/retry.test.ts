import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildFailedError, withBuildRetries } from '../../../steps/lib/build/retry.js';
import type { RunResult } from '../../../steps/lib/build/run.js';
import { memoryLogger } from '../../../steps/lib/tekton/log.js';

const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'buildah', `${name}.txt`), 'utf8');
const failing = (name: string): RunResult => ({ code: 125, output: fixture(name), durationMs: 1 });
const ok: RunResult = { code: 0, output: 'done', durationMs: 1 };

/** Plays back buildah results in order, counting the runs. */
function script(...results: RunResult[]) {
  let runs = 0;
  return { run: async () => results[Math.min(runs++, results.length - 1)] as RunResult, runs: () => runs };
}

describe('withBuildRetries', () => {
  const policy = { retries: 3, delayMs: 100, maxDelayMs: 250 };

  test('retries transient failures with doubling, capped delays, then succeeds', async () => {
    const waits: number[] = [];
    const s = script(failing('push-manifest-503'), failing('pull-429'), ok);
    const log = memoryLogger();
    const { attempts } = await withBuildRetries(
      'push of x',
      s.run,
      policy,
      log,
      async (ms) => void waits.push(ms),
    );
    expect(attempts).toBe(3);
    expect(waits).toEqual([100, 200]);
    expect(log.lines[0]).toMatch(
      /push of x failed \(transient\): ".*503 Service Unavailable"; retry 1 of 3 in 100 ms/,
    );
  });

  test('gives up after the retries with exit code 3', async () => {
    const s = script(failing('pull-reset'));
    const err = await withBuildRetries(
      'pull',
      s.run,
      { ...policy, retries: 2 },
      memoryLogger(),
      async () => undefined,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildFailedError);
    expect((err as BuildFailedError).exitCode).toBe(3);
    expect((err as BuildFailedError).message).toMatch(/still failing after 3 attempts/);
    expect(s.runs()).toBe(3);
  });

  test.each([
    ['syntax-unknown-instruction', 2],
    ['run-exit-status', 1],
    ['push-token-reader', 1],
    ['base-manifest-unknown', 1],
  ])('a permanent failure (%s) runs once and exits %d', async (name, code) => {
    const s = script(failing(name), ok);
    const err = (await withBuildRetries('build', s.run, policy, memoryLogger(), async () => undefined).catch(
      (e: unknown) => e,
    )) as BuildFailedError;
    expect(err.exitCode).toBe(code);
    expect(s.runs()).toBe(1);
  });
});
