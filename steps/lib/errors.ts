/**
 * Exit codes of the step contract (ARCHITECTURE.md): every failure a step can meet maps to one of these.
 */
export const ExitCode = {
  ok: 0,
  /** A gate said no: scan blocked, image unavailable, canary aborted, policy violated. */
  gate: 1,
  /** Bad input or configuration. */
  usage: 2,
  /** Infrastructure failure that persisted through retries. */
  infra: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message is one line meant for the person reading the run. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends StepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

export class GateError extends StepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.gate, options);
  }
}

export class InfraError extends StepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.infra, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
