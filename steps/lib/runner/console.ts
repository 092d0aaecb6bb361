import { redact } from '../tekton/redact.js';
import type { RunObserver } from './engine.js';
import { renderOutcome, renderStatusLine } from './report.js';
import type { TaskOutcome } from './status.js';

export interface ConsoleOptions {
  write(text: string): void;
  /** A terminal gets a live status line under the log; anything else only the log lines. */
  tty: boolean;
  total: number;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * Prints a run the way `tkn pipelinerun logs -f` does: every step's output prefixed `[task : step]`, a line when a
 * task starts and ends, and, on a terminal, a status line that keeps its place at the bottom. Every line is redacted.
 */
export class ConsoleReporter implements RunObserver {
  private readonly running = new Set<string>();
  private done = 0;
  private readonly started = Date.now();
  private readonly timer?: NodeJS.Timeout;

  constructor(private readonly options: ConsoleOptions) {
    if (options.tty) {
      this.timer = setInterval(() => this.redraw(), 1000);
      this.timer.unref();
    }
  }

  private print(line: string): void {
    this.options.write(`${this.options.tty ? CLEAR_LINE : ''}${redact(line)}\n`);
    this.redraw();
  }

  private redraw(): void {
    if (!this.options.tty) return;
    this.options.write(
      CLEAR_LINE +
        renderStatusLine([...this.running], this.done, this.options.total, Date.now() - this.started),
    );
  }

  taskStarted(task: string, taskRun: string, attempt: number): void {
    this.running.add(task);
    this.print(attempt === 0 ? `[${task}] started (TaskRun ${taskRun})` : `[${task}] retry ${attempt}`);
  }

  taskFinished(outcome: TaskOutcome): void {
    this.running.delete(outcome.name);
    this.done++;
    this.print(renderOutcome(outcome));
  }

  line(task: string, step: string, text: string): void {
    this.print(`[${task} : ${step}] ${text}`);
  }

  close(): void {
    clearInterval(this.timer);
    if (this.options.tty) this.options.write(CLEAR_LINE);
  }
}
