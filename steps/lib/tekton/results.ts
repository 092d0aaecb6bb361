import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepError, ExitCode, UsageError } from '../errors.js';
import { redact } from './redact.js';

/** Tekton's limit for all results of one task (they share the termination message). */
export const RESULTS_BUDGET_BYTES = 4096;
const RESULT_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export class ResultsBudgetError extends StepError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/**
 * Writes results to `<dir>/<NAME>`. The budget is shared by every step of the task, so the files already
 * in the directory count too. Results are staged and written together: a run that would exceed the
 * budget fails loudly and writes nothing, rather than leaving Tekton to truncate.
 */
export class ResultsWriter {
  private readonly staged = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly budget = RESULTS_BUDGET_BYTES,
  ) {}

  set(name: string, value: string | number | boolean | object): this {
    if (!RESULT_NAME.test(name))
      throw new UsageError(`result name "${name}" is not a valid Tekton result name`);
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.staged.set(name, redact(text));
    return this;
  }

  get(name: string): string | undefined {
    return this.staged.get(name);
  }

  names(): string[] {
    return [...this.staged.keys()];
  }

  /** Bytes used by results already on disk that this writer does not replace. */
  private existingBytes(): number {
    let total = 0;
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const entry of entries) {
      if (this.staged.has(entry)) continue;
      const stat = statSync(join(this.dir, entry));
      if (stat.isFile()) total += stat.size;
    }
    return total;
  }

  flush(): void {
    if (this.staged.size === 0) return;
    const sizes = [...this.staged].map(([name, v]) => [name, Buffer.byteLength(v)] as const);
    const ours = sizes.reduce((sum, [, n]) => sum + n, 0);
    const total = ours + this.existingBytes();
    if (total > this.budget) {
      const detail = sizes.map(([n, s]) => `${n}=${s}B`).join(', ');
      throw new ResultsBudgetError(
        `results need ${total} bytes, over Tekton's ${this.budget}-byte budget for a task (${detail}); ` +
          'put full reports in a workspace',
      );
    }
    mkdirSync(this.dir, { recursive: true });
    for (const [name, value] of this.staged) writeFileSync(join(this.dir, name), value);
  }
}
