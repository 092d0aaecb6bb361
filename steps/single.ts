import { ExitCode } from './lib/errors.js';
import { runStep, type StepDefinition } from './lib/tekton/step.js';

/**
 * Entry of a one-step image: accepts `image-lifecycle <step> [flags]` like the full CLI, so Tasks invoke
 * every image the same way, and also `image-lifecycle [flags]`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runSingle(step: StepDefinition<any>): void {
  const argv = process.argv.slice(2);
  const rest = argv[0] === step.name ? argv.slice(1) : argv;
  runStep(step, rest).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = ExitCode.infra),
  );
}
