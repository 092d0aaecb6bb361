import { join } from 'node:path';
import { steps } from '../../steps/registry.js';
import { runCli } from '../helpers/cli.js';
import { registryState } from '../helpers/registry-state.js';
import { addRunSummary } from '../helpers/run-summary.js';
import { argvCases, type BadCase } from './corpus.js';
import { baseline, loadSteps, startWorld, withArgs, type AnyStep, type World } from './world.js';

// A few bad inputs per step through the real CLI process, the way Tekton runs a step: what the in-process
// corpus proves must also hold for exit status, stderr and stack traces of a real Node process.

let world: World;
let defs: Map<string, AnyStep>;
let tried = 0;

beforeAll(async () => {
  defs = await loadSteps();
  world = await startWorld(defs.values());
}, 120_000);

afterAll(async () => {
  await world?.stop();
  addRunSummary(
    'hardening-bad-input-cli',
    `Bad inputs tried through the CLI process: ${tried} (${defs?.size ?? 0} steps)`,
  );
});

/** An unknown flag, and a results directory under a file (checked before any work, for steps with results). */
function cliCases(w: World, def: AnyStep): Array<{ flag?: string; badCase: BadCase }> {
  const results = {
    flag: 'results-dir',
    badCase: {
      id: 'results-dir-under-a-file',
      args: ['--results-dir', w.bad.underFile],
      names: w.bad.underFile,
    },
  };
  return [
    ...argvCases()
      .filter((c) => c.id === 'unknown-flag')
      .map((badCase) => ({ badCase })),
    ...(def.results.length > 0 ? [results] : []),
  ];
}

describe.each(Object.keys(steps))('image-lifecycle %s', (name) => {
  test('refuses bad input with exit 2 and one line, and changes nothing', async () => {
    const def = defs.get(name)!;
    const { argv: base } = baseline(name, def, world);
    const before = await registryState(world.registry);
    const results = join(world.scratch, 'results');
    for (const { flag, badCase } of cliCases(world, def)) {
      tried++;
      const argv = withArgs(flag ? base : [...base, '--results-dir', results], flag, badCase.args);
      const run = await runCli([name, ...argv]);
      const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
      expect({
        case: badCase.id,
        code: run.code,
        lines: lines.length,
        stack: /^\s+at /m.test(run.stderr),
        stdout: run.stdout,
      }).toEqual({
        case: badCase.id,
        code: 2,
        lines: 1,
        stack: false,
        stdout: '',
      });
      expect(lines[0]).toMatch(/^ERROR: /);
    }
    expect(await registryState(world.registry)).toEqual(before);
  }, 120_000);
});
