// `keytool nar pack|unpack|hash|ls`: nar files without a daemon.
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { KeytoolError } from '../../errors.js';
import { toNixBase32 } from '../base32.js';
import { NarParser, showBytes, type NarPath } from '../reader.js';
import { restoreNar } from '../restore.js';
import { narStream } from '../writer.js';
import { fileProblem } from '../../fsutil/problem.js';
import { humanBytes, input, output, Progress, type Streams } from './io.js';

async function mustExist(p: string): Promise<void> {
  try {
    await lstat(p);
  } catch (e) {
    throw new KeytoolError(`cannot archive '${p}': ${fileProblem(e, p)}`);
  }
}

export async function narPack(path: string, out: string | undefined, s: Streams): Promise<number> {
  await mustExist(path);
  const progress = new Progress(s.stderr);
  let bytes = 0;
  try {
    await output(out, narStream(path, { reuseBuffers: true, onData: (n) => { bytes += n; progress.update(() => `packing ${path}: ${humanBytes(bytes)}`); } }), s, 'a nar');
  } finally {
    progress.done();
  }
  return 0;
}

export async function narUnpack(file: string, dir: string, s: Streams): Promise<number> {
  const progress = new Progress(s.stderr);
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of input(file, s)) {
      bytes += c.length;
      progress.update(() => `unpacking ${file === '-' ? 'stdin' : file}: ${humanBytes(bytes)}`);
      yield c;
    }
  }
  try {
    await restoreNar(counted(), dir);
  } finally {
    progress.done();
  }
  return 0;
}

interface NarDigest {
  narHash: string;
  narSize: number;
  sha256: string;
}

async function narDigest(path: string, s: Streams): Promise<NarDigest> {
  await mustExist(path);
  const progress = new Progress(s.stderr);
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of narStream(path, { reuseBuffers: true })) {
      h.update(chunk);
      size += chunk.length;
      progress.update(() => `hashing ${path}: ${humanBytes(size)}`);
    }
  } finally {
    progress.done();
  }
  const digest = h.digest();
  return { narHash: `sha256:${toNixBase32(digest)}`, narSize: size, sha256: digest.toString('hex') };
}

export async function narHash(paths: string[], json: boolean, hex: boolean, s: Streams): Promise<number> {
  for (const p of paths) {
    const d = await narDigest(p, s);
    if (json) s.stdout.write(`${JSON.stringify({ path: p, narHash: d.narHash, narSize: d.narSize, sha256: d.sha256 })}\n`);
    else {
      const value = hex ? `sha256:${d.sha256}` : d.narHash;
      s.stdout.write(paths.length > 1 ? `${value}  ${p}\n` : `${value}\n`);
    }
  }
  return 0;
}

/**
 * `guix archive -t`'s listing: `D path`, `S path -> target`, `r|x path size B`. Names are escaped
 * (`displayable`), so a hostile name cannot move the cursor or fake a line. Each directory's
 * shown path is kept while its entries are listed, so a name is decoded once, not once per
 * descendant.
 */
export async function narList(file: string, s: Streams): Promise<number> {
  const parser = new NarParser();
  const line = (t: string): void => void s.stdout.write(`${t}\n`);
  /** shown[k]: the shown path of the open directory at depth k ('' for the root). */
  const shown: string[] = [];
  const show = (p: NarPath): string => {
    if (!p.depth) return '.';
    const name = showBytes(p.name);
    return p.depth === 1 ? name : `${shown[p.depth - 1]}/${name}`;
  };
  for await (const chunk of input(file, s)) {
    for (const e of parser.push(chunk)) {
      if (e.type === 'directory') {
        const p = show(e.path);
        shown.length = e.path.depth;
        shown[e.path.depth] = p;
        line(`D ${p}`);
      } else if (e.type === 'symlink') line(`S ${show(e.path)} -> ${showBytes(e.target)}`);
      else if (e.type === 'file') line(`${e.executable ? 'x' : 'r'} ${show(e.path)} ${e.size} B`);
    }
  }
  parser.end();
  return 0;
}
