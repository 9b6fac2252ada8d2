// One item checked end to end, as the substituter would take it and more: its narinfo fetched,
// read and judged with Guix's rules (src/nar/narinfo.ts) against the ACL, matched against the item
// asked for (a narinfo signed for another store path is a replay), and with --contents every nar
// it names fetched and checked against its signed NarHash and NarSize (src/substitutes/contents.ts).
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { MAX_NARINFO } from '../nar/cli/narinfo.js';
import { fileProblem } from '../fsutil/problem.js';
import { decodeNarinfo, parseRecutils, verifyNarinfo, type NarinfoVerdict } from '../nar/narinfo.js';
import type { SexpList } from '../sexp/model.js';
import { checkNar, type ContentsResult, type NarExpected, type NarTarget } from './contents.js';
import { FetchFailure, type FetchFailureKind, type HttpClient } from './http.js';
import { hashPart, isFile, isUrl, type Item, type Location } from './sources.js';

export interface NarReport {
  url: string;
  compression: string;
  status: string;
  message: string;
  fileBytes: number;
  narBytes: number;
}

export interface ItemVerdict extends Omit<NarinfoVerdict, 'status' | 'signer'> {
  item: string;
  status: string;
  nars?: NarReport[];
}

export interface CheckOptions {
  keys: readonly SexpList[];
  storeDir: string;
  contents: boolean;
  http: HttpClient;
  /** Bytes received, for progress. */
  onBytes?: (n: number) => void;
}

/** The verdict a fetch failure becomes. */
const FAILURE_STATUS: Record<FetchFailureKind, string> = {
  'not-found': 'not-found',
  'http-status': 'http-error',
  tls: 'tls-error',
  timeout: 'timeout',
  network: 'network-error',
  redirects: 'redirect-error',
  truncated: 'truncated',
  'too-large': 'malformed',
};

/** A fetch failure's verdict; `notFound` leads a not-found message (what was not found). */
function fetchVerdict(e: FetchFailure, notFound: string): { status: string; message: string } {
  return { status: FAILURE_STATUS[e.kind], message: e.kind === 'not-found' ? `${notFound}: ${e.message}` : e.message };
}

/** Read a narinfo's body, refused past MAX_NARINFO bytes. */
async function readNarinfoBody(body: AsyncIterable<Buffer>, cancel: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > MAX_NARINFO) {
      cancel();
      throw new FetchFailure('too-large', `the narinfo is larger than ${MAX_NARINFO} bytes: too large to be a narinfo`);
    }
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** The narinfo's bytes, from a file or a server. */
async function loadNarinfo(item: Item, http: HttpClient): Promise<Buffer> {
  if (item.narinfo.kind === 'url') {
    const url = item.narinfo.url;
    return http.withRetries(async () => {
      const r = await http.open(url);
      return readNarinfoBody(r.body, r.cancel);
    });
  }
  const file = item.narinfo.path;
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FetchFailure('not-found', 'no narinfo for it in the directory (no such file)');
    throw new KeytoolError(`cannot read the narinfo: ${fileProblem(e, file)}`);
  }
  if (!st.isFile()) throw new KeytoolError('the narinfo is not a regular file');
  if (st.size > MAX_NARINFO) throw new KeytoolError(`the narinfo is ${st.size} bytes: too large to be a narinfo`);
  try {
    return await readFile(file);
  } catch (e) {
    throw new KeytoolError(`cannot read the narinfo: ${fileProblem(e, file)}`);
  }
}

const decimal = (s: string | undefined): number | undefined => (s !== undefined && /^[0-9]{1,15}$/.test(s) ? Number(s) : undefined);
const SHA256 = /^sha256:([0-9abcdfghijklmnpqrsvwxyz]{52})$/;

/** What the signed text says the nar is, and each URL/Compression pair with its sizes. */
function contentsPlan(text: string): NarExpected & { targets: NarTarget[] } {
  const signed = parseRecutils(text.slice(0, text.indexOf('Signature:')));
  const all = parseRecutils(text).all;
  // From the signed text only: a NarSize or NarHash below the signature is anyone's.
  const narHash = SHA256.exec(signed.fields.get('NarHash') ?? '')?.[1];
  if (!narHash) throw new KeytoolError(`NarHash "${excerpt(signed.fields.get('NarHash') ?? '')}" is not sha256: and 52 Nix base32 characters`);
  const narSize = decimal(signed.fields.get('NarSize'));
  if (narSize === undefined) throw new KeytoolError(signed.fields.has('NarSize') ? `NarSize "${excerpt(signed.fields.get('NarSize')!)}" is not a number` : 'no signed NarSize field: the nar cannot be checked or its download bounded');
  const urls = all.get('URL') ?? [];
  if (!urls.length) throw new KeytoolError('no URL field: the narinfo names no nar');
  const targets = urls.map((url, i): NarTarget => {
    const t: NarTarget = { url, compression: all.get('Compression')?.[i] ?? 'none' };
    const size = all.get('FileSize')?.[i];
    if (size !== undefined) {
      const n = decimal(size);
      if (n === undefined) throw new KeytoolError(`FileSize "${excerpt(size)}" is not a number`);
      t.fileSize = n;
    }
    const hash = all.get('FileHash')?.[i];
    if (hash !== undefined) {
      const h = SHA256.exec(hash)?.[1];
      if (!h) throw new KeytoolError(`FileHash "${excerpt(hash)}" is not sha256: and 52 Nix base32 characters`);
      t.fileHash = h;
    }
    return t;
  });
  return { narSize, narHash, targets };
}

/** Where a nar URL points: a URL as Guix resolves it against the server, or a file in the mirror. */
async function narLocation(url: string, compression: string, item: Item): Promise<Location> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    if (isUrl(url)) return { kind: 'url', url };
    throw new KeytoolError(`nar URL "${excerpt(url)}" is neither http nor https`);
  }
  if (item.base.kind === 'url') return { kind: 'url', url: `${item.base.url}/${url}` };
  let segments: string[];
  try {
    segments = url.split('?')[0]!.split('/').map(decodeURIComponent);
  } catch {
    throw new KeytoolError(`nar URL "${excerpt(url)}" is not a valid URL path`);
  }
  if (url.startsWith('/') || segments.some((s) => s === '..' || s === '.' || s === '' || s.includes('\0'))) {
    throw new KeytoolError(`nar URL "${excerpt(url)}" would lead out of the mirror directory`);
  }
  const root = item.base.path;
  const here = path.dirname(item.narinfo.kind === 'file' ? item.narinfo.path : root);
  const name = segments[segments.length - 1]!;
  // A static mirror keeps the server's paths; publish's cache keeps COMPRESSION/NAME.nar.
  const candidates = [path.join(root, ...segments), path.join(root, compression, `${name}.nar`), path.join(here, `${name}.nar`)];
  for (const c of candidates) if (await isFile(c)) return { kind: 'file', path: c };
  throw new FetchFailure('not-found', `not in the mirror (looked for ${candidates.map((c) => excerpt(c, 200)).join(', ')})`);
}

async function checkOneNar(target: NarTarget, plan: NarExpected, item: Item, opts: CheckOptions): Promise<ContentsResult> {
  const loc = await narLocation(target.url, target.compression, item);
  if (loc.kind === 'file') {
    const stream = createReadStream(loc.path, { highWaterMark: 1 << 20 });
    return checkNar(stream, () => stream.destroy(), target, plan, opts.onBytes);
  }
  return opts.http.withRetries(async () => {
    const r = await opts.http.open(loc.url);
    // Neither a length nor chunks: the body ends when the server closes, which it may never do.
    const unframed = r.headers['content-length'] === undefined && !/chunked/i.test(r.headers['transfer-encoding'] ?? '');
    return checkNar(r.body, r.cancel, target, plan, opts.onBytes, unframed);
  });
}

export async function checkItem(item: Item, opts: CheckOptions): Promise<ItemVerdict> {
  let bytes: Buffer;
  try {
    bytes = await loadNarinfo(item, opts.http);
  } catch (e) {
    if (e instanceof FetchFailure) return { item: item.name, ...fetchVerdict(e, 'no narinfo') };
    if (e instanceof KeytoolError) return { item: item.name, status: 'unreadable', message: e.message };
    throw e;
  }
  const v = verifyNarinfo(bytes, opts.keys, item.name, opts.storeDir);
  const { status, signer: _signer, ...rest } = v;
  const out: ItemVerdict = { item: item.name, status, ...rest };
  if (status === 'malformed') return out;
  const want = item.expect;
  if (want && v.storePath !== undefined && (hashPart(v.storePath) !== want.hashPart || (want.storePath !== undefined && v.storePath !== want.storePath))) {
    return { ...out, status: 'wrong-store-path', message: `narinfo for another store path: it describes ${excerpt(v.storePath, 200)}, not ${excerpt(want.storePath ?? want.hashPart, 200)}` };
  }
  if (status !== 'valid' || !opts.contents) return out;
  let plan;
  try {
    plan = contentsPlan(decodeNarinfo(bytes));
  } catch (e) {
    if (!(e instanceof KeytoolError)) throw e;
    return { ...out, status: 'malformed', message: `cannot check the nar: ${e.message}` };
  }
  out.nars = [];
  for (const target of plan.targets) {
    let r: Pick<NarReport, 'status' | 'message' | 'fileBytes' | 'narBytes'>;
    try {
      r = await checkOneNar(target, plan, item, opts);
    } catch (e) {
      if (e instanceof FetchFailure) r = { ...fetchVerdict(e, 'nar not found'), fileBytes: 0, narBytes: 0 };
      else if (e instanceof KeytoolError) r = { status: 'malformed', message: e.message, fileBytes: 0, narBytes: 0 };
      else throw e;
    }
    out.nars.push({ url: target.url, compression: target.compression, status: r.status, message: r.message, fileBytes: r.fileBytes, narBytes: r.narBytes });
  }
  const bad = out.nars.find((n) => n.status !== 'valid');
  if (bad) return { ...out, status: bad.status, message: `${bad.compression} nar at ${excerpt(bad.url, 200)}: ${bad.message}` };
  return out;
}
