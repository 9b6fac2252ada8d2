// Reading a file the user named (a key, a signature, an item to hash).
import { readFileSync } from 'node:fs';
import { asFileError } from './problem.js';

/** A file's bytes, or a KeytoolError that says why it cannot be read (`what`: "the public key"...). */
export function readFileBytes(file: string, what?: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw asFileError(e, file, 'read', what);
  }
}
