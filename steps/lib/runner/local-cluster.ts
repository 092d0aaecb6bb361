import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InfraError, UsageError } from '../errors.js';

export interface LocalCluster {
  url: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const READY = /^kube-server listening on (\S+)/;

/**
 * Starts the repository's Kubernetes test API server (test/kube-server/main.ts, run by node with tsx) on a free
 * port of 127.0.0.1, with the run's namespace, and writes its kubeconfig. It needs the checkout: the server is test
 * code and is not in the bundle.
 */
export function startLocalCluster(
  checkout: string,
  kubeconfig: string,
  namespace: string,
): Promise<LocalCluster> {
  const main = join(checkout, 'test', 'kube-server', 'main.ts');
  if (!existsSync(main))
    throw new UsageError(`--local-cluster needs ${main}, the test API server of the checkout`);
  const loader = pathToFileURL(createRequire(join(checkout, 'package.json')).resolve('tsx')).href;
  // The server always creates `default`; naming it again would be a conflict.
  const args = [
    '--import',
    loader,
    main,
    '--port',
    '0',
    '--print-kubeconfig',
    kubeconfig,
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
  ];
  const child = spawn(process.execPath, args, { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(
        new InfraError(
          `the local cluster did not start within ${START_TIMEOUT_MS / 1000}s: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = output
        .split('\n')
        .map((line) => READY.exec(line)?.[1])
        .find(Boolean);
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        kubeconfig,
        async stop() {
          process.off('exit', kill);
          child.kill('SIGTERM');
          const grace = setTimeout(kill, 5000);
          await exited;
          clearTimeout(grace);
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      process.off('exit', kill);
      reject(
        new InfraError(
          `the local cluster exited (${code}) before serving: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    });
  });
}
