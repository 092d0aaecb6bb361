import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { steps } from '../../steps/registry.js';
import type { FlagSpecs } from '../../steps/lib/tekton/args.js';
import { allFlags } from '../../steps/lib/tekton/step.js';
import { registryState } from '../helpers/registry-state.js';
import { addRunSummary } from '../helpers/run-summary.js';
import { runStep } from '../../steps/lib/tekton/step.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { allowance } from './allowlist.js';
import { argvCases, badCases, SECRET_CONTENT, type BadCase } from './corpus.js';
import { classifyFlag, type FlagKind } from './flag-kinds.js';
import {
  baseline,
  context,
  loadSteps,
  overriding,
  startWorld,
  withArgs,
  type AnyStep,
  type World,
} from './world.js';

// Every registered step, every flag, every kind of wrong input people produce: each must end in exit 2 with one
// line naming the input, and leave no result, no output file and no change in the registry behind.

/** An error line this long is echoing the input back rather than naming it. */
const MAX_LINE = 1000;

interface Tally {
  tried: number;
  refused: number;
  allowed: number;
  generic: boolean;
}
const tally = new Map<string, Tally>();

let world: World;
let defs: Map<string, AnyStep>;

beforeAll(async () => {
  defs = await loadSteps();
  resultsDir = makeTempDir('hardening-results');
  world = await startWorld(defs.values());
  // restore's baseline restores from an inventory that a real backup wrote.
  const backup = defs.get('backup');
  if (backup) {
    const argv = baseline('backup', backup, world).argv.filter((a) => a !== '--dry-run');
    const prepared = await run(backup, argv);
    if (prepared.code !== 0) throw new Error(`preparing the backup for restore failed: ${prepared.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  await world?.stop();
  const rows = [...tally].map(([step, t]) => ({
    step,
    'bad inputs tried': t.tried,
    'refused (exit 2)': t.refused,
    'accepted (allowlisted)': t.allowed,
    baseline: t.generic ? 'generic' : 'own',
  }));
  const total = rows.reduce((sum, r) => sum + r['bad inputs tried'], 0);
  addRunSummary(
    'hardening-bad-input',
    `Bad inputs tried per step, in process (${total} in all):\n${formatTable(rows)}`,
  );
});

function formatTable(rows: Array<Record<string, string | number>>): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => String(r[c])))),
  ].join('\n');
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  results: string[];
}

let resultsDir: string;

/**
 * Runs a step in this process like the CLI does. Results go to a directory of the test's own unless the case
 * is about --results-dir itself.
 */
async function run(def: AnyStep, argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const ownResults = !argv.some((a) => a === '--results-dir' || a.startsWith('--results-dir='));
  const code = await runStep(def, ownResults ? [...argv, '--results-dir', resultsDir] : argv, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  });
  const results = readdirSync(resultsDir);
  for (const name of results) rmSync(`${resultsDir}/${name}`, { recursive: true, force: true });
  return { code, stdout: out.join(''), stderr: err.join(''), results };
}

function clearScratch(): string[] {
  const left = readdirSync(world.scratch);
  for (const entry of left) rmSync(`${world.scratch}/${entry}`, { recursive: true, force: true });
  mkdirSync(world.scratch, { recursive: true });
  return left;
}

/** What is wrong with a run that should have refused the input; empty when it did. */
function problems(
  result: Run,
  flag: string | undefined,
  badCase: BadCase,
  scratchLeft: string[],
  quotesContent = false,
): string[] {
  const found: string[] = [];
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  if (result.code !== 2) found.push(`exit ${result.code}`);
  if (lines.length !== 1) found.push(`${lines.length} lines on stderr`);
  if (/^\s+at .+[(:]\d+/m.test(result.stderr)) found.push('a stack trace');
  const line = lines[0] ?? '';
  if (lines.length === 1 && !namesInput(line, flag, badCase)) found.push('the line does not name the input');
  if (line.length > MAX_LINE) found.push(`a ${line.length}-character line`);
  if (/internal error/i.test(result.stderr)) found.push('an internal error');
  if (result.stdout !== '') found.push('output on stdout');
  if (result.results.length > 0) found.push(`results written: ${result.results.join(', ')}`);
  if (scratchLeft.length > 0) found.push(`files written: ${scratchLeft.join(', ')}`);
  if (!quotesContent && (result.stdout + result.stderr).includes(SECRET_CONTENT))
    found.push('printed the content of the file it was pointed at');
  if (found.length === 0) return [];
  const shown = lines.slice(0, 3).map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l));
  return [`${found.join(', ')}: ${JSON.stringify(shown)}`];
}

/** The line names the flag, the file, or shows the value itself (its start, at least). */
function namesInput(line: string, flag: string | undefined, badCase: BadCase): boolean {
  const values = badCase.args
    .filter((a) => !a.startsWith('--') || a.includes('='))
    .map((a) => (a.startsWith('--') ? a.slice(a.indexOf('=') + 1) : a));
  // A list flag names the item it refuses: the value's first word is enough.
  const shown = values
    .flatMap((v) => [v.trim(), v.trim().split(/[\s,]+/)[0] ?? ''])
    .filter((v) => v.length >= 3)
    .map((v) => JSON.stringify(v.slice(0, 24)).slice(1, -1));
  const named = [flag && `--${flag}`, badCase.names, badCase.names && basename(badCase.names), ...shown];
  return named.some((n) => n && line.includes(n));
}

function describeArgs(args: string[]): string {
  return args
    .map((a) => (a.length > 40 ? `${a.slice(0, 40)}…(${a.length})` : a))
    .map((a) => JSON.stringify(a))
    .join(' ');
}

describe.each(Object.keys(steps))('%s', (name) => {
  test('its baseline is a valid command line (bad inputs are swapped into it one at a time)', async () => {
    const def = defs.get(name)!;
    const { argv } = baseline(name, def, world);
    const result = await run(def, argv);
    clearScratch();
    // 0, or 1 where a gate says no; never a usage or infrastructure failure.
    expect({
      code: result.code <= 1 ? 'ok' : result.code,
      stderr: result.code <= 1 ? '' : result.stderr,
    }).toEqual({ code: 'ok', stderr: '' });
  });

  test('refuses every bad input: exit 2, one line naming it, nothing written, the registry unchanged', async () => {
    const def = defs.get(name)!;
    const { argv: base, generic } = baseline(name, def, world);
    const t: Tally = { tried: 0, refused: 0, allowed: 0, generic };
    tally.set(name, t);
    // Refused inputs must leave the registry as it was; an allowed input that is accepted may change it.
    let before = await registryState(world.registry);
    const talksToRegistry = 'docker-config' in allFlags(def);
    const failures: string[] = [];
    const cases: Array<{ flag?: string; kind?: FlagKind; badCase: BadCase }> = [
      ...argvCases().map((badCase) => ({ badCase })),
      ...Object.entries(allFlags(def) as FlagSpecs).flatMap(([flag, spec]) => {
        const kind = classifyFlag(name, flag, spec);
        return badCases(flag, spec, kind, world.bad).map((badCase) => ({ flag, kind, badCase }));
      }),
    ];
    for (const { flag, kind, badCase } of cases) {
      t.tried++;
      const allowed = allowance(def, flag, kind, badCase.id);
      if (allowed && talksToRegistry) expect(await registryState(world.registry)).toEqual(before);
      const argv = withArgs(flag ? overriding(base, context(name, flag, world)) : base, flag, badCase.args);
      const result = await run(def, argv);
      let found = problems(result, flag, badCase, clearScratch(), allowed?.quotesContent);
      if (allowed && found.length > 0 && result.code <= 1 && !/internal error|^\s+at /m.test(result.stderr)) {
        t.allowed++;
        found = [];
        if (talksToRegistry) before = await registryState(world.registry);
      } else if (found.length === 0) t.refused++;
      for (const f of found)
        failures.push(
          `${flag ? `--${flag} (${kind}) ` : ''}${badCase.id} ${describeArgs(badCase.args)}: ${f}`,
        );
    }
    expect(failures).toEqual([]);
    expect(await registryState(world.registry)).toEqual(before);
  }, 300_000);
});
