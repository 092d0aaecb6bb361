import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../helpers/cli.js';
import { runCommand } from '../../helpers/command.js';

// Test files leave temp dirs to the exit hook; a worker runs many files, each with its own copy of the
// helpers, so the hooks must share one 'exit' listener (Node warns past ten) and still all run.
test('temp dirs left behind are removed at exit, behind one exit listener however many there are', async () => {
  // Twelve copies of the module, as twelve test files in one worker would load it.
  const helper = JSON.stringify(pathToFileURL(join(REPO_ROOT, 'test/helpers/temp-dirs.ts')).href);
  const script = [
    `const before = process.listenerCount('exit');`,
    `const dirs = [];`,
    `for (let copy = 0; copy < 12; copy++) {`,
    `  const { makeTempDir } = await import(${helper} + '?copy=' + copy);`,
    `  dirs.push(makeTempDir('left-behind'), makeTempDir('left-behind'));`,
    `}`,
    `console.log(JSON.stringify({ dirs, added: process.listenerCount('exit') - before }));`,
  ].join('\n');
  const run = await runCommand(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
  });
  const { dirs, added } = JSON.parse(run.stdout) as { dirs: string[]; added: number };
  expect(new Set(dirs).size).toBe(24);
  expect(added).toBe(1);
  expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
});
