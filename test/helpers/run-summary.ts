import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Leaves a few lines for the end of the test run: the closing-line reporter prints them just before its
 * closing line. Outside that reporter (another runner) they are printed at once.
 */
export function addRunSummary(name: string, text: string): void {
  const dir = process.env.JEST_RUN_SUMMARY_DIR;
  if (dir) writeFileSync(join(dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.txt`), `${text}\n`);
  else process.stdout.write(`${text}\n`);
}
