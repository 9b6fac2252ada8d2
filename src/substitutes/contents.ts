// One nar checked against its narinfo as it streams in: the compressed bytes against FileSize and
// FileHash (when given), the decompressed nar against NarSize and NarHash. Both counts are bounded
// as the bytes pass: a file larger than its FileSize, or a nar (a decompression bomb, a stream that
// never ends) larger than its NarSize, stops everything at once, so nothing is read or inflated
// beyond what the signed narinfo announced. Transport failures are thrown (FetchFailure) for the
// caller to retry; everything else is a verdict.
import { createHash } from 'node:crypto';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toNixBase32 } from '../nar/base32.js';
import { DecompressionError, decompressor } from './decompress.js';
import { FetchFailure } from './http.js';

export type ContentsStatus = 'valid' | 'size-mismatch' | 'truncated' | 'nar-hash-mismatch' | 'file-hash-mismatch' | 'bad-compression' | 'unsupported-compression';

/** One URL/Compression pair of a narinfo, with its optional FileSize and FileHash. */
export interface NarTarget {
  url: string;
  compression: string;
  fileSize?: number;
  /** Nix base32 SHA-256 of the compressed file. */
  fileHash?: string;
}

/** What the signed part of the narinfo says the nar is. */
export interface NarExpected {
  narSize: number;
  /** Nix base32 SHA-256 of the nar. */
  narHash: string;
}

export interface ContentsResult {
  status: ContentsStatus;
  message: string;
  fileBytes: number;
  narBytes: number;
}

class Stop extends Error {
  constructor(readonly status: ContentsStatus, message: string) {
    super(message);
  }
}

/** The whole nar has arrived on a body that says nowhere where it ends: stop reading there. */
class Whole extends Error {}

const plural = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

/**
 * Check the nar in `body` (compressed as `target` says) against `expected`. `onBytes` counts the
 * bytes received, for progress. `cancel` closes the connection when the check stops early.
 * `unframed`: the body has neither a length nor chunks and the connection may stay open after it,
 * as `guix publish` without `--cache` sends an uncompressed nar; then, as Guix's substituter reads
 * it (NarSize bytes, for `none`), an uncompressed nar is whole once NarSize bytes with the signed
 * NarHash have arrived, and reading stops there instead of waiting for an end that never comes.
 */
export async function checkNar(body: AsyncIterable<Buffer>, cancel: () => void, target: NarTarget, expected: NarExpected, onBytes: (n: number) => void = () => {}, unframed = false): Promise<ContentsResult> {
  // The compressed file is hashed only when there is a FileHash to compare with, and never
  // twice: uncompressed, the file is the nar (found by `npm run bench substitutes`).
  const fileHash = target.fileHash !== undefined && target.compression !== 'none' ? createHash('sha256') : undefined;
  const narHash = createHash('sha256');
  let fileBytes = 0;
  let narBytes = 0;
  const result = (status: ContentsStatus, message: string): ContentsResult => ({ status, message, fileBytes, narBytes });
  let dec;
  try {
    dec = decompressor(target.compression);
  } catch (e) {
    if (!(e instanceof DecompressionError)) throw e;
    cancel();
    return result('unsupported-compression', e.message);
  }
  const { fileSize } = target;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      fileBytes += chunk.length;
      onBytes(chunk.length);
      if (fileSize !== undefined && fileBytes > fileSize) return done(new Stop('size-mismatch', `the ${target.compression} file is larger than its FileSize (${plural(fileSize)}): stopped reading at once`));
      fileHash?.update(chunk);
      done(null, chunk);
    },
  });
  const endsAtNarSize = unframed && target.compression === 'none';
  const sink = new Writable({
    highWaterMark: 1 << 16,
    write(chunk: Buffer, _enc, done) {
      narBytes += chunk.length;
      if (narBytes > expected.narSize) {
        const what = target.compression === 'none' ? 'the nar' : `the nar decompressed from ${target.compression}`;
        return done(new Stop('size-mismatch', `${what} is larger than its NarSize (${plural(expected.narSize)}): stopped reading at once`));
      }
      narHash.update(chunk);
      if (endsAtNarSize && narBytes === expected.narSize && toNixBase32(narHash.copy().digest()) === expected.narHash) return done(new Whole());
      done();
    },
  });
  try {
    await pipeline(body, meter, dec.stream, sink);
    await dec.finished();
  } catch (e) {
    dec.abort();
    cancel();
    if (e instanceof Whole) return finalVerdict();
    if (e instanceof Stop) return result(e.status, e.message);
    if (e instanceof FetchFailure) throw e;
    // A subprocess that failed says why once it has exited; its broken pipe is only the symptom.
    const failure = e instanceof DecompressionError ? e : await dec.finished().then(() => e, (d: unknown) => d);
    if (failure instanceof DecompressionError) return result(failure.truncated ? 'truncated' : 'bad-compression', failure.truncated ? `the ${target.compression} data ends before its end (truncated)` : failure.message);
    const code = (failure as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') return result('truncated', `the ${target.compression} data ends before its end (truncated, after ${plural(fileBytes)})`);
    if (typeof code === 'string' && code.startsWith('Z_')) return result('bad-compression', `not valid ${target.compression} data (${(failure as Error).message})`);
    throw failure;
  }
  return finalVerdict();

  /** Once the data has ended (or the whole nar arrived): the sizes and hashes against the narinfo. */
  function finalVerdict(): ContentsResult {
    if (fileSize !== undefined && fileBytes !== fileSize) return result('truncated', `the ${target.compression} file ends after ${plural(fileBytes)}, FileSize says ${plural(fileSize)} (truncated)`);
    const got = toNixBase32(narHash.digest());
    if (target.fileHash !== undefined) {
      const file = fileHash ? toNixBase32(fileHash.digest()) : got;
      if (file !== target.fileHash) return result('file-hash-mismatch', `the ${target.compression} file's hash is sha256:${file}, FileHash says sha256:${target.fileHash}`);
    }
    if (narBytes !== expected.narSize) {
      // Short and with the signed hash: the nar is whole and NarSize is wrong; else it was cut.
      if (got === expected.narHash) return result('size-mismatch', `the nar is ${plural(narBytes)}, NarSize says ${plural(expected.narSize)} (its hash matches NarHash)`);
      return result('truncated', `the nar ends after ${plural(narBytes)} of its NarSize ${plural(expected.narSize)} (truncated)`);
    }
    if (got !== expected.narHash) return result('nar-hash-mismatch', `nar hash mismatch: the nar's hash is sha256:${got}, NarHash says sha256:${expected.narHash}`);
    return result('valid', `${target.compression}: ${plural(narBytes)} checked`);
  }
}
