import { ExitCode } from './lib/errors.js';
import { createLogger } from './lib/tekton/log.js';
import { runStep } from './lib/tekton/step.js';
import { steps } from './registry.js';

const VERSION = '0.1.0';

function usage(): string {
  return [
    'Usage: image-lifecycle <step> [flags]',
    '',
    'Container-image lifecycle steps for Tekton, runnable from a laptop with the same code.',
    '',
    'Steps:',
    ...Object.keys(steps).map((name) => `  ${name}`),
    '',
    "Run 'image-lifecycle <step> --help' for a step's flags.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command ? ExitCode.ok : ExitCode.usage;
  }
  if (command === '--version') {
    process.stdout.write(VERSION + '\n');
    return ExitCode.ok;
  }
  const load = steps[command];
  if (!load) {
    createLogger().error(`unknown step "${command}"; steps: ${Object.keys(steps).join(', ')}`);
    return ExitCode.usage;
  }
  return runStep(await load(), rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    createLogger().error(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = ExitCode.infra;
  },
);
