// Reading a key pair from its files, as Guix does: the secret key file, and the public key from
// the same name with its last four characters (`.sec`) replaced by `.pub`.
import { readFileSync } from 'node:fs';
import { KeytoolError } from '../errors.js';
import { parseSexp } from '../sexp/index.js';
import { keyPairFromSexp, type KeyPair } from './keys.js';

/** Key files are a few KiB at most; refuse anything larger before reading it whole. */
const MAX_KEY_FILE = 1 << 20;

export function publicKeyFileFor(secretFile: string): string {
  return `${secretFile.slice(0, -4)}.pub`;
}

function readKeyFile(file: string, what: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.message;
    throw new KeytoolError(`cannot read the ${what} ${file}: ${why}`);
  }
  if (bytes.length > MAX_KEY_FILE) throw new KeytoolError(`the ${what} ${file} is too large to be a key (${bytes.length} bytes)`);
  return bytes;
}

/** The key pair whose secret half is in `secretFile` (public half beside it, `.pub`). */
export function loadKeyPair(secretFile: string): KeyPair {
  if (secretFile.length < 4) throw new KeytoolError(`failed to load key pair at '${secretFile}': the name is too short to end in .sec`);
  const pubFile = publicKeyFileFor(secretFile);
  try {
    const texts = [readKeyFile(secretFile, 'secret key'), readKeyFile(pubFile, 'public key')] as const;
    const parsed = texts.map((t, i) => {
      try {
        return parseSexp(t);
      } catch (e) {
        throw new KeytoolError(`${i === 0 ? secretFile : pubFile} is not an S-expression: ${(e as Error).message}`);
      }
    });
    return keyPairFromSexp(parsed[0]!, parsed[1]!);
  } catch (e) {
    if (e instanceof KeytoolError) throw new KeytoolError(`failed to load key pair at '${secretFile}': ${e.message}`);
    throw e;
  }
}
