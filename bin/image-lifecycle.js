#!/usr/bin/env node
// Runs the bundled CLI when it has been built (fast start), the TypeScript sources through tsx otherwise.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/image-lifecycle.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../steps/cli.ts', import.meta.url).href);
}
