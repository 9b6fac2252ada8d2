// Reading a file the user named (a key, a signature, an item to hash).
import { readFileSync } from 'node:fs';
import { KeytoolError } from '../errors.js';

/** A file's bytes, or a KeytoolError that says why it cannot be read. */
export function readFileBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KeytoolError(`${file}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new KeytoolError(`${file}: permission denied`);
    if (code === 'EISDIR') throw new KeytoolError(`${file}: is a directory`);
    throw new KeytoolError(`${file}: ${(e as Error).message}`);
  }
}
