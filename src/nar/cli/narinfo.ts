// `keytool narinfo sign|verify`: what `guix publish` writes and the substituter checks.
import { opendir, readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { ConfigPaths } from '../../config.js';
import { loadKeyPair } from '../../crypto/index.js';
import { KeytoolError } from '../../errors.js';
import { writeFileAtomic } from '../../fsutil/atomic.js';
import { shortFingerprint } from '../../fingerprint.js';
import { displayable } from '../../display.js';
import { decodeNarinfo, signNarinfo, verifyNarinfo, type NarinfoVerdict } from '../narinfo.js';
import { trustedKeys } from './acl.js';
import { fileError } from '../../fsutil/problem.js';
import { Progress, type Streams } from './io.js';

/** A narinfo is a few hundred bytes; anything much larger is not one. */
export const MAX_NARINFO = 1 << 20;


/** A narinfo's bytes, exactly as stored: the signature covers bytes, so nothing is decoded here. */
async function readBytes(file: string, s: Streams): Promise<Uint8Array> {
  if (file === '-') {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of s.stdin) {
      const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      size += b.length;
      if (size > MAX_NARINFO) throw new KeytoolError('stdin: too large to be a narinfo');
      parts.push(b);
    }
    return Buffer.concat(parts);
  }
  const shown = displayable(file);
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw fileError(e, file);
  }
  if (!st.isFile()) throw new KeytoolError(`${shown} is not a regular file`);
  if (st.size > MAX_NARINFO) throw new KeytoolError(`${shown}: too large to be a narinfo (${st.size} bytes)`);
  try {
    return await readFile(file);
  } catch (e) {
    throw fileError(e, file);
  }
}

export async function narinfoSign(files: string[], keyFile: string | undefined, host: string | undefined, paths: ConfigPaths, s: Streams): Promise<number> {
  const pair = loadKeyPair(keyFile ?? paths.secretKey, (line) => s.stderr.write(`keytool: warning: ${line}\n`));
  for (const file of files) {
    const bytes = await readBytes(file, s);
    let signed: string;
    try {
      // Strict decoding, so the text re-encodes to the very bytes read: signing never rewrites them.
      signed = signNarinfo(decodeNarinfo(bytes), pair, host);
    } catch (e) {
      if (e instanceof KeytoolError) throw new KeytoolError(`${displayable(file)}: ${e.message}`, e.exitCode);
      throw e;
    }
    if (file === '-') {
      s.stdout.write(signed);
      continue;
    }
    writeFileAtomic(file, Buffer.from(signed, 'utf8'), { mode: statSync(file).mode & 0o7777 });
    s.stderr.write(`signed ${displayable(file)}\n`);
  }
  return 0;
}

/** Every narinfo under the arguments: files as given, `*.narinfo` found in directories, streamed. */
export async function* narinfoFiles(args: string[]): AsyncGenerator<string> {
  for (const a of args) {
    if (a === '-') {
      yield a;
      continue;
    }
    let st;
    try {
      st = await stat(a);
    } catch {
      yield a; // reported as unreadable by the caller
      continue;
    }
    if (!st.isDirectory()) {
      yield a;
      continue;
    }
    let found = false;
    const stack = [a];
    while (stack.length) {
      const d = stack.pop()!;
      for await (const ent of await opendir(d)) {
        const p = path.join(d, ent.name);
        if (ent.isDirectory()) stack.push(p);
        else if (ent.name.endsWith('.narinfo') && (ent.isFile() || ent.isSymbolicLink())) {
          found = true;
          yield p;
        }
      }
    }
    if (!found) throw new KeytoolError(`no .narinfo files under ${displayable(a)}`);
  }
}

/**
 * A verdict as a line of text: `NAME: valid (signed by FPR LABEL DETAIL)`, else
 * `NAME: STATUS: MESSAGE (REASON)`. Used by `narinfo verify` and `substitutes check`.
 */
export function verdictLine(name: string, v: { status: string; message: string; fingerprint?: string; reason?: string }, label: string | undefined, detail = ''): string {
  if (v.status === 'valid') return `${displayable(name)}: valid (signed by ${shortFingerprint(v.fingerprint!)}${label ? ` ${displayable(label)}` : ''}${detail})\n`;
  // The message and reason quote input already escaped (src/nar/narinfo.ts, src/substitutes/*).
  const extra = v.reason && !v.message.includes(v.reason) ? ` (${v.reason})` : '';
  return `${displayable(name)}: ${v.status}: ${v.message}${extra}\n`;
}

export async function narinfoVerify(args: string[], json: boolean, aclFile: string | undefined, paths: ConfigPaths, s: Streams): Promise<number> {
  const trust = trustedKeys(paths, aclFile);
  const progress = new Progress(s.stderr);
  const counts = new Map<string, number>();
  let total = 0;
  try {
    for await (const file of narinfoFiles(args)) {
      let bytes: Uint8Array;
      try {
        bytes = await readBytes(file, s);
      } catch (e) {
        if (!(e instanceof KeytoolError)) throw e;
        // Not a verdict on a narinfo: the file itself is the problem, said on stderr.
        total++;
        counts.set('unreadable', (counts.get('unreadable') ?? 0) + 1);
        progress.done();
        s.stderr.write(`keytool: ${e.message}\n`);
        if (json) s.stdout.write(`${JSON.stringify({ file, status: 'unreadable', message: e.message, storePath: null, url: null, host: null, signer: null, label: null, reason: null })}\n`);
        continue;
      }
      const v: NarinfoVerdict = bytes.length === 0 ? { status: 'malformed', message: 'empty file, not a narinfo' } : verifyNarinfo(bytes, trust.keys, file);
      total++;
      counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
      const label = v.fingerprint ? trust.label(v.fingerprint) : undefined;
      progress.done();
      if (json) {
        s.stdout.write(`${JSON.stringify({ file, status: v.status, message: v.message, storePath: v.storePath ?? null, url: v.url ?? null, host: v.host ?? null, signer: v.fingerprint ?? null, label: label ?? null, reason: v.reason ?? null })}\n`);
      } else s.stdout.write(verdictLine(file, v, label));
      progress.update(() => `checked ${total} narinfo${total === 1 ? '' : 's'}`);
    }
  } finally {
    progress.done();
  }
  const bad = total - (counts.get('valid') ?? 0);
  if (!json) {
    const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    s.stderr.write(`${total} narinfo${total === 1 ? '' : 's'}: ${summary} (ACL: ${displayable(trust.source)})\n`);
  }
  return bad ? 1 : 0;
}
