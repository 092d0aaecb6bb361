import { runInThisContext } from 'node:vm';

/**
 * The real process object, for 'exit' hooks. Jest hands each test file a copy of `process` whose 'exit' event
 * never fires; code evaluated in the host context still sees the real one. Outside jest this is just `process`.
 */
export const hostProcess = runInThisContext('process') as NodeJS.Process;

const EXIT_HOOKS = Symbol.for('image-lifecycle.test.exit-hooks');

/**
 * Runs `hook` when the worker process exits, and returns what cancels it. Every test file of a worker loads
 * its own copy of the helpers, so the hooks live on the real process, behind one 'exit' listener for all.
 */
export function onHostExit(hook: () => void): () => void {
  const host = hostProcess as unknown as Record<symbol, Set<() => void> | undefined>;
  const hooks = (host[EXIT_HOOKS] ??= runAtExit(new Set()));
  hooks.add(hook);
  return () => hooks.delete(hook);
}

function runAtExit(hooks: Set<() => void>): Set<() => void> {
  hostProcess.on('exit', () => {
    for (const run of hooks) run();
  });
  return hooks;
}
