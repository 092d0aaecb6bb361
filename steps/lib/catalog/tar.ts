import { UsageError } from '../errors.js';

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/**
 * A POSIX ustar archive holding one regular file, owned by root with mtime 0: the same content always
 * gives the same bytes, so a bundle rebuilt from unchanged YAML has the same layer digest.
 */
export function singleFileTar(name: string, content: Buffer): Buffer {
  if (!name || Buffer.byteLength(name) > 100 || name.includes('/')) {
    throw new UsageError(`tar entry name "${name}" must be a plain file name of at most 100 bytes`);
  }
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0);
  header.write(octal(0o644, 8), 100); // mode
  header.write(octal(0, 8), 108); // uid
  header.write(octal(0, 8), 116); // gid
  header.write(octal(content.length, 12), 124);
  header.write(octal(0, 12), 136); // mtime
  header.write(' '.repeat(8), 148); // checksum field counts as spaces while summing
  header.write('0', 156); // regular file
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK);
  return Buffer.concat([header, content, padding, Buffer.alloc(BLOCK * 2)]);
}
