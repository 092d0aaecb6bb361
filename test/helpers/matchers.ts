// A process's exit code alone says nothing when it is wrong; the matcher shows what the process said on stderr.
interface Exited {
  code: number | null;
  stderr?: string;
}

expect.extend({
  toExitWith(received: Exited, expected: number | null) {
    const pass = received.code === expected;
    return {
      pass,
      message: () =>
        `expected exit code ${pass ? 'not ' : ''}${String(expected)}, got ${String(received.code)}; stderr:\n` +
        (received.stderr?.trim() || '(empty)'),
    };
  },
});

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      /** The process exited with this code (null: killed by a signal); on failure the message carries its stderr. */
      toExitWith(expected: number | null): R;
    }
  }
}

export {};
