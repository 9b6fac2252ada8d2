// Reading a key pair from its files, as Guix does: the secret key file, and the public key from
// the same name with its last four characters (`.sec`) replaced by `.pub`. One rule for every
// command that signs (sign, archive export, narinfo sign): the name must end in `.sec`, and a
// secret key others may read or write gets a warning. (The daemon helper has its own loader.)
import { readFileSync, statSync } from 'node:fs';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { fileError } from '../fsutil/problem.js';
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
    throw fileError(e, file, 'read', `the ${what}`);
  }
  if (bytes.length > MAX_KEY_FILE) throw new KeytoolError(`the ${what} ${displayable(file)} is too large to be a key (${bytes.length} bytes)`);
  return bytes;
}

/**
 * The key pair whose secret half is in `secretFile` (public half beside it, `.pub`); `warn` is
 * told (one line, no prefix) when the secret key is open to others.
 */
export function loadKeyPair(secretFile: string, warn: (line: string) => void = () => {}): KeyPair {
  const shown = displayable(secretFile);
  if (!secretFile.endsWith('.sec')) {
    throw new KeytoolError(`failed to load key pair at '${shown}': a secret key file's name ends in .sec (its public key is the same name ending in .pub); give the .sec file`);
  }
  const pubFile = publicKeyFileFor(secretFile);
  try {
    const texts = [readKeyFile(secretFile, 'secret key'), readKeyFile(pubFile, 'public key')] as const;
    const parsed = texts.map((t, i) => {
      try {
        return parseSexp(t);
      } catch (e) {
        throw new KeytoolError(`${displayable(i === 0 ? secretFile : pubFile)} is not an S-expression: ${(e as Error).message}`);
      }
    });
    const pair = keyPairFromSexp(parsed[0]!, parsed[1]!);
    const mode = statSync(secretFile).mode;
    if (mode & 0o077) warn(`secret key ${shown} may be read by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); make it private: chmod 600 ${shown}`);
    return pair;
  } catch (e) {
    if (e instanceof KeytoolError) throw new KeytoolError(`failed to load key pair at '${shown}': ${e.message}`);
    throw e;
  }
}
