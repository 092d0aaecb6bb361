import type { DryRun } from './dry-run.js';
import { formatDuration } from './duration.js';
import type { RunRecord } from './engine.js';
import type { ParamValue } from './model.js';
import type { TaskOutcome } from './status.js';

function value(v: ParamValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The reason column: Tekton's reason, and the message when it says more. */
function why(o: TaskOutcome): string {
  if (o.status === 'Succeeded') return '';
  return o.message && o.message !== o.reason ? `${o.reason}: ${o.message}` : o.reason;
}

/** The summary after a run: one row per task (like `tkn pipelinerun describe`), the run's status and its results. */
export function renderSummary(record: RunRecord): string {
  const rows = [['TASK', 'STATUS', 'DURATION', 'REASON']];
  for (const o of record.tasks) {
    const duration =
      o.status === 'Skipped'
        ? '-'
        : formatDuration(o.durationMs) + (o.attempts > 1 ? ` (${o.attempts} attempts)` : '');
    rows.push([o.section === 'finally' ? `${o.name} (finally)` : o.name, o.status, duration, why(o)]);
  }
  const lines = [
    '',
    ...table(rows),
    '',
    `PipelineRun ${record.pipelineRun}: ${record.status}${record.reason !== record.status ? ` (${record.reason})` : ''} in ${formatDuration(record.durationMs)}`,
  ];
  const results = Object.entries(record.results);
  if (results.length) lines.push('Results:', ...results.map(([name, v]) => `  ${name} = ${value(v)}`));
  for (const o of record.omittedResults) lines.push(`Result ${o.name} not emitted: ${o.reason}`);
  return lines.join('\n');
}

/** One line when a task ends, for the log. */
export function renderOutcome(o: TaskOutcome): string {
  const took = o.status === 'Skipped' ? '' : ` in ${formatDuration(o.durationMs)}`;
  const reason = why(o);
  return `[${o.name}] ${o.status}${took}${reason ? ` (${reason})` : ''}`;
}

export function renderStatusLine(
  running: readonly string[],
  done: number,
  total: number,
  elapsedMs: number,
): string {
  return `⏵ ${formatDuration(elapsedMs)}  ${done}/${total} done${running.length ? `  running: ${running.join(', ')}` : ''}`;
}

/** What --dry-run prints: the order, and each task's resolved params and steps. */
export function renderDryRun(dry: DryRun): string {
  const lines = [`PipelineRun ${dry.pipelineRun} of ${dry.pipeline} (dry run, ${dry.mode} mode)`];
  const params = Object.entries(dry.params);
  if (params.length) lines.push('Params:', ...params.map(([name, v]) => `  ${name} = ${value(v)}`));
  lines.push('Order (each line after the one before, tasks on one line in parallel):');
  dry.levels.forEach((level, i) => lines.push(`  ${i + 1}. ${level.join(', ')}`));
  const finallyTasks = dry.tasks.filter((t) => t.section === 'finally').map((t) => t.name);
  if (finallyTasks.length) lines.push(`  finally: ${finallyTasks.join(', ')}`);
  for (const task of dry.tasks) {
    lines.push(
      '',
      `${task.section === 'finally' ? 'finally task' : 'task'} ${task.name} (${task.task}, TaskRun ${task.taskRun})`,
    );
    if (task.after.length) lines.push(`  after: ${task.after.join(', ')}`);
    if (task.when.length) lines.push(`  when: ${task.when.join(' and ')}`);
    if (task.problem) {
      lines.push(`  (steps resolved at run time: ${task.problem})`);
      continue;
    }
    for (const step of task.steps) {
      lines.push(
        `  step ${step.name}${step.image ? ` [${step.image}]` : ''}: ${step.command.map(quote).join(' ')}`,
      );
      if (step.script !== undefined)
        lines.push(
          ...step.script
            .trimEnd()
            .split('\n')
            .map((l) => `    | ${l}`),
        );
    }
  }
  return lines.join('\n');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
