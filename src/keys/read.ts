// Reading key S-expressions given on the command line, with messages that name the input and
// say what is wrong (never echoing a secret key's contents).
import { KeytoolError } from '../errors.js';
import { parseSexp, SexpError } from '../sexp/index.js';
import { isAtom, isList, type Sexp, type SexpList } from '../sexp/model.js';
import { readFileBytes } from '../fsutil/read.js';
import { keyFileKind, publicHalf } from './describe.js';

export interface KeyInput {
  /** A file name, or "standard input". */
  name: string;
  bytes: Uint8Array;
}

export function readInputFile(file: string): KeyInput {
  return { name: file, bytes: readFileBytes(file) };
}

function parse(input: KeyInput, what: string): Sexp {
  if (input.bytes.length === 0) throw new KeytoolError(`${input.name}: empty, expected ${what}`);
  try {
    return parseSexp(input.bytes);
  } catch (e) {
    if (e instanceof SexpError) throw new KeytoolError(`${input.name}: failed to read ${what}: ${e.message}`);
    throw e;
  }
}

/** A `(public-key ...)`, or a specific refusal (a private key, something else, no algorithm). */
export function parsePublicKey(input: KeyInput): SexpList {
  const s = parse(input, 'public key');
  switch (keyFileKind(s)) {
    case 'private':
      throw new KeytoolError(`${input.name}: this is a private key; give its public key (the .pub file) instead, and keep the secret key secret`);
    case 'other':
      throw new KeytoolError(`${input.name}: s-expression does not denote a public key`);
  }
  const key = s as SexpList;
  const algo = key.items[1];
  if (!isList(algo) || !isAtom(algo.items[0])) throw new KeytoolError(`${input.name}: public key has no algorithm (expected (public-key (ecc ...)) or (public-key (rsa ...)))`);
  return key;
}

/** A public key from a public or a private key file (the public half of the latter). */
export function parseAnyKey(input: KeyInput): { publicKey: SexpList; isPrivate: boolean } {
  const s = parse(input, 'key');
  switch (keyFileKind(s)) {
    case 'public':
      return { publicKey: parsePublicKey(input), isPrivate: false };
    case 'private':
      try {
        return { publicKey: publicHalf(s as SexpList), isPrivate: true };
      } catch (e) {
        if (e instanceof KeytoolError) throw new KeytoolError(`${input.name}: ${e.message}`);
        throw e;
      }
    default:
      throw new KeytoolError(`${input.name}: s-expression is neither a public nor a private key`);
  }
}
