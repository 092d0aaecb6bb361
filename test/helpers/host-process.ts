import { runInThisContext } from 'node:vm';

/**
 * The real process object, for 'exit' hooks. Jest hands each test file a copy of `process` whose 'exit' event
 * never fires; code evaluated in the host context still sees the real one. Outside jest this is just `process`.
 */
export const hostProcess = runInThisContext('process') as NodeJS.Process;
