// Shared helpers for the nar tests: scratch directories, small trees, the A.3 store paths, collecting streams, in-memory output streams.
import { mkdirSync, mkdtempSync, writeFileSync, symlinkSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { TMP_ROOT } from '../support/oracle.js';
import { narStream } from '../../src/nar/writer.js';

/** The store paths of spec appendix A.3's export item and its reference. */
export const HELLO = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello';
export const DEP = '/gnu/store/zyxwvsrqpnmlkjihgfdcba9876543210-dep';

export function scratch(prefix: string): string {
  mkdirSync(TMP_ROOT, { recursive: true });
  return mkdtempSync(path.join(TMP_ROOT, `nar-${prefix}-`));
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts);
}

export const narOf = (p: string): Promise<Buffer> => collect(narStream(p));
export const sha256hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The tree of spec appendix A.2: B (empty), a.txt, link -> a.txt, sub/run.sh (0755). */
export function appendixTree(dir: string): string {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'B'), '');
  writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
  symlinkSync('a.txt', path.join(dir, 'link'));
  writeFileSync(path.join(dir, 'sub', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(path.join(dir, 'sub', 'run.sh'), 0o755);
  return dir;
}

/** A single file holding "hello\n" (A.2), with the given mode. */
export function helloFile(dir: string, mode = 0o644): string {
  const p = path.join(dir, `hello-${mode.toString(8)}`);
  writeFileSync(p, 'hello\n');
  chmodSync(p, mode);
  return p;
}

export const fromHexBlocks = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** An in-memory stream for a CLI run in process: a terminal or not, its text as latin1. */
export function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const parts: Buffer[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  w.isTTY = isTTY;
  w.text = () => Buffer.concat(parts).toString('latin1');
  return w;
}
