import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports.js';
import { startProcess, waitForHttp, waitForOutput } from '../../helpers/processes.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dirs.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('processes-test');
});
afterAll(() => {
  removeTempDir(dir);
});

test('freePort gives a port that can be bound on 127.0.0.1', async () => {
  const port = await freePort();
  expect(port).toBeGreaterThan(0);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a server that dies at startup fails the wait at once, with its own words', async () => {
  const config = join(dir, 'broken.yml');
  writeFileSync(config, 'version: 0.1\nstorage: {}\n');
  const child = startProcess('docker-registry', ['serve', config], { name: 'broken registry' });
  const started = Date.now();
  await expect(
    waitForHttp(`http://127.0.0.1:${await freePort()}/`, { process: child, timeoutMs: 20_000 }),
  ).rejects.toThrow(/broken registry exited \(1\) before .*\n[\s\S]*storage/i);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(child.hasExited()).toBe(true);
});

test('a server that never answers makes the wait give up after its timeout', async () => {
  await expect(waitForHttp(`http://127.0.0.1:${await freePort()}/`, { timeoutMs: 300 })).rejects.toThrow(
    /was not ready after 300 ms/,
  );
});

test('stop() ends the process, and its output stays readable afterwards', async () => {
  // Both lines are in their pipes once "up" is seen (pipe writes are synchronous): a SIGTERM sent then cannot
  // land between them, as it could when "warming" came second.
  const child = startProcess('node', [
    '-e',
    'console.error("warming"); console.log("up"); setInterval(() => {}, 1000)',
  ]);
  const deadline = Date.now() + 5000;
  while (!child.stdoutLines().includes('up') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await child.stop();
  expect(child.hasExited()).toBe(true);
  expect(await child.exited).toBe('SIGTERM');
  expect(child.stdoutLines()).toEqual(['up']);
  expect(child.stderrLines()).toEqual(['warming']);
  expect(() => process.kill(child.pid, 0)).toThrow();
});

test('a process that ignores SIGTERM is killed after the grace period', async () => {
  const child = startProcess('node', [
    '-e',
    'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)',
  ]);
  const deadline = Date.now() + 5000;
  while (!child.stdoutLines().includes('ready') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await child.stop(200);
  expect(await child.exited).toBe('SIGKILL');
});

test('waitForOutput sees a line on either stream, and fails when the process exits without it', async () => {
  const talker = startProcess('node', [
    '-e',
    'console.error("listening on 127.0.0.1:1"); setInterval(() => {}, 1000)',
  ]);
  await waitForOutput(talker, /listening on 127\.0\.0\.1:1\b/);
  await talker.stop();
  const quitter = startProcess('node', ['-e', 'console.log("bye")'], { name: 'quitter' });
  await expect(waitForOutput(quitter, /listening/)).rejects.toThrow(
    /quitter exited \(0\) before printing \/listening\/:\n[\s\S]*bye/,
  );
});
