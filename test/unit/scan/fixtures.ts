import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'scan');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
