import type * as Undici from 'undici';

let loading: Promise<typeof Undici> | undefined;

/**
 * undici, loaded when a step first talks HTTP rather than when its module is: evaluating it costs about 80 ms
 * of CPU, which `--help` and every refused input would otherwise pay before a single check.
 */
export function loadUndici(): Promise<typeof Undici> {
  // undici is CommonJS: its exports are the namespace's `default` under Node's ESM and esbuild's bundles
  // alike (the named ones exist only where Node's lexer found them).
  return (loading ??= import('undici').then(
    (module) => (module as unknown as { default?: typeof Undici }).default ?? module,
  ));
}
