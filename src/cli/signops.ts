// The sign and verify commands' work and output (see keyops.ts): apart, because they alone load
// the signature code (noble's curves, node:crypto), which they import when they run.
import { KeytoolError } from '../errors.js';
import { loadAcl } from '../acl/store.js';
import { readInputFile } from '../keys/read.js';
import type { CommandIo, OutputIo } from './io.js';
import { aclOrLocal, localKey, readStdin } from './keyops.js';

export async function signArgs(io: OutputIo, keyFile: string, hash: string | undefined, file: string | undefined): Promise<number> {
  if ((hash === undefined) === (file === undefined)) throw new KeytoolError('give either a HASH or --file FILE', 2);
  const { parseHash, sha256File, signToText } = await import('../keys/sign.js');
  const digest = file !== undefined ? sha256File(file) : parseHash(hash!);
  const text = signToText(keyFile, digest, (line) => io.err(`keytool: warning: ${line}\n`));
  io.outBytes(text); // Latin-1 bytes as they are, not re-encoded
  return 0;
}

export async function verifyArgs(io: CommandIo, file: string | undefined, noAcl: boolean): Promise<number> {
  const input = file === undefined || file === '-' ? await readStdin(io, 'a signature') : readInputFile(file);
  if (input.bytes.length === 0) throw new KeytoolError(`${input.name}: empty, expected a signature`);
  const acl = noAcl ? undefined : loadAcl(io.paths, { create: false });
  const keys = acl && aclOrLocal(acl, acl.exists ? undefined : localKey(io));
  const { verifyText } = await import('../keys/sign.js');
  const r = verifyText(input.bytes, keys);
  if (!r.ok) {
    io.err(`keytool: ${input.name}: ${r.reason}\n`);
    return 1;
  }
  io.out(`${r.hash}\n`);
  return 0;
}
