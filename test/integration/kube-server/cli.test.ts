import { join } from 'node:path';
import { createKubeClient, getConfigMap } from '../../../steps/lib/kube/index.js';
import { startProcess, waitForOutput, type ManagedProcess } from '../../helpers/processes.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

const TSX = join(__dirname, '../../../node_modules/.bin/tsx');
const MAIN = join(__dirname, '../../kube-server/main.ts');

let dir: string;
let server: ManagedProcess | undefined;

beforeAll(() => {
  dir = makeTempDir('kube-server-cli');
});
afterAll(async () => {
  await server?.stop();
  removeTempDir(dir);
});

test('the standalone server writes a kubeconfig, serves it, and stops cleanly on SIGTERM', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  server = startProcess(TSX, [MAIN, '--port', '0', '--print-kubeconfig', kubeconfig, '--namespace', 'demo'], {
    name: 'kube-server',
  });
  await waitForOutput(server, /^kube-server listening on http:\/\/127\.0\.0\.1:\d+$/, 30_000);
  const client = createKubeClient({ kubeconfig, namespace: 'demo' }, { retry: { retries: 0 } });
  await client.core.createNamespacedConfigMap({
    namespace: 'demo',
    body: { metadata: { name: 'hello' }, data: { a: 'b' } },
  });
  expect((await getConfigMap(client, 'hello')).data).toEqual({ a: 'b' });
  await server.stop();
  expect(await server.exited).toBe(0);
}, 45_000);

test('a bad flag is one line and exit 2', async () => {
  const bad = startProcess(TSX, [MAIN, '--port', 'eighty'], { name: 'kube-server-bad' });
  expect(await bad.exited).toBe(2);
  expect(bad.stderrLines()).toEqual(['kube-server: --port must be an integer from 0 to 65535, got "eighty"']);
}, 30_000);
