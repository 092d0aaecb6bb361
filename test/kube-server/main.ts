/**
 * Runs the test API server on its own, for `image-lifecycle run --local-cluster` and `make demo`:
 *   npx tsx test/kube-server/main.ts --port 0 --print-kubeconfig FILE [--namespace NS]... [--tick-ms 100] [--verbose]
 * Prints `kube-server listening on URL` on stdout once it serves, and stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startKubeServer } from './server.js';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        'print-kubeconfig': { type: 'string' },
        namespace: { type: 'string', multiple: true, default: [] },
        'tick-ms': { type: 'string', default: '100' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`kube-server: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(
      'Usage: kube-server [--port N] [--print-kubeconfig FILE|-] [--namespace NS]... [--tick-ms MS] [--verbose]\n',
    );
    return 0;
  }
  const port = Number(values.port);
  const tickMs = Number(values['tick-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`kube-server: --port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  if (!Number.isFinite(tickMs) || tickMs < 1) {
    process.stderr.write(`kube-server: --tick-ms must be a positive number, got "${values['tick-ms']}"\n`);
    return 2;
  }
  const server = await startKubeServer({
    port,
    tickMs,
    namespaces: values.namespace,
    log: values.verbose ? (line) => process.stderr.write(`kube-server: ${line}\n`) : undefined,
  });
  const target = values['print-kubeconfig'];
  if (target === '-') process.stdout.write(server.kubeconfig());
  else if (target) server.writeKubeconfig(target);
  process.stdout.write(`kube-server listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kube-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
