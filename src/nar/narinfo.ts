// narinfo files (spec/guix-formats.md §3): recutils-style fields; the signed text is everything
// before the first occurrence of "Signature:"; the Signature field is `1;<host>;<base64>` where
// the base64 holds the UTF-8 encoding of the advanced signature text read as ISO-8859-1.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { signHash, type KeyPair } from '../crypto/index.js';
import { KeytoolError } from '../errors.js';
import { printAdvanced } from '../sexp/index.js';
import type { SexpList } from '../sexp/model.js';
import { judgeSignature, type SignatureStatus } from './verdict.js';

/** Transport fields: one group per compression, so they repeat. */
const TRANSPORT = new Set(['URL', 'Compression', 'FileSize', 'FileHash']);
/** Fields that describe the store item (never the transport): they must be above the signature. */
const ITEM_FIELDS = new Set(['StorePath', 'NarHash', 'NarSize', 'References', 'Deriver', 'System']);

export interface Narinfo {
  /** First value of each field; repeatable fields keep all values in `all`. */
  fields: Map<string, string>;
  all: Map<string, string[]>;
}

/** Guix's recutils reader (guix/records.scm): one record; `unmatched line` for anything else. */
export function parseRecutils(text: string): Narinfo {
  const fields = new Map<string, string>();
  const all = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  let started = false;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      if (started) break; // a blank line ends the record
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith('+')) {
      if (!last) throw new KeytoolError(`unmatched line ${i + 1}: ${JSON.stringify(line)} (continuation without a field)`);
      const values = all.get(last.name)!;
      values[last.index] = `${values[last.index]}\n${line.slice(1).replace(/^ /, '')}`;
      if (last.index === 0) fields.set(last.name, values[0]!);
      continue;
    }
    const m = /^([A-Za-z%][^:]*):(.*)$/.exec(line);
    if (!m) throw new KeytoolError(`unmatched line ${i + 1}: ${JSON.stringify(line)}`);
    started = true;
    const name = m[1]!;
    const value = m[2]!.trim();
    const values = all.get(name) ?? [];
    values.push(value);
    all.set(name, values);
    if (!fields.has(name)) fields.set(name, value);
    last = { name, index: values.length - 1 };
  }
  return { fields, all };
}

export interface SignatureField {
  version: number;
  host: string;
  /** The signature text as raw ISO-8859-1 bytes. */
  text: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parse `1;<host>;<base64>` with Guix's rules; throws its messages (the caller treats it as unsigned). */
export function parseSignatureField(value: string): SignatureField {
  const parts = value.split(';');
  if (parts.length !== 3) throw new KeytoolError(`invalid format of the signature field: ${JSON.stringify(value)}`);
  const [v, host, b64] = parts as [string, string, string];
  const version = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim()) ? Number(v) : NaN;
  if (Number.isNaN(version)) throw new KeytoolError(`signature version must be a number: ${JSON.stringify(v)}`);
  if (version !== 1) throw new KeytoolError(`unsupported signature version: ${v}`);
  const body = b64.trim();
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) {
    throw new KeytoolError(`signature is not valid base64: ${JSON.stringify(body.length > 40 ? `${body.slice(0, 40)}…` : body)}`);
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(body, 'base64'));
  } catch {
    throw new KeytoolError('signature is not valid UTF-8 once base64-decoded');
  }
  if (/[^\x00-\xff]/.test(decoded)) throw new KeytoolError(`signature is not a valid s-expression: ${JSON.stringify(decoded.slice(0, 60))}`);
  return { version, host, text: Buffer.from(decoded, 'latin1') };
}

/** The base64 `guix publish` writes for a signature text (raw ISO-8859-1 bytes). */
export const signatureBase64 = (text: Uint8Array): string => Buffer.from(Buffer.from(text).toString('latin1'), 'utf8').toString('base64');

export type NarinfoStatus = SignatureStatus | 'unsigned' | 'malformed';

export interface NarinfoVerdict {
  status: NarinfoStatus;
  /** Guix's message (or ours where Guix has none). */
  message: string;
  storePath?: string;
  url?: string;
  host?: string;
  signer?: SexpList;
  fingerprint?: string;
  reason?: string;
}

const REQUIRED = ['StorePath', 'NarHash', 'References'];
/** The required fields the signed text lacks. */
const missingFields = (signed: Narinfo): string[] => REQUIRED.filter((f) => !signed.fields.has(f));
/** What the signature signs: SHA-256 of the text before "Signature:", as UTF-8. */
const prefixHash = (prefix: string): Uint8Array => new Uint8Array(createHash('sha256').update(prefix, 'utf8').digest());

/**
 * Guix's verdict on a narinfo's text against the ACL keys (valid-narinfo? and the substituter's
 * messages). `name` stands for the URL when the narinfo has none.
 */
export function verifyNarinfo(text: string, acl: readonly SexpList[], name = 'narinfo'): NarinfoVerdict {
  let info: Narinfo;
  try {
    info = parseRecutils(text);
  } catch (e) {
    return { status: 'malformed', message: `cannot read narinfo: ${(e as Error).message}` };
  }
  const storePath = info.fields.get('StorePath');
  const url = info.all.get('URL')?.[0] ?? name;
  const base: NarinfoVerdict = { status: 'unsigned', message: '', url };
  if (storePath !== undefined) base.storePath = storePath;
  const unsigned = (why: string): NarinfoVerdict => ({ ...base, status: 'unsigned', message: `substitute at '${url}' is unsigned: ${why}`, reason: why });

  const cut = text.indexOf('Signature:');
  if (cut < 0) return unsigned('no Signature field');
  const field = info.fields.get('Signature');
  if (field === undefined) return unsigned("'Signature:' does not start a field");
  let sig: SignatureField;
  try {
    sig = parseSignatureField(field);
  } catch (e) {
    return unsigned((e as Error).message);
  }
  base.host = sig.host;
  const prefix = text.slice(0, cut);
  let signed: Narinfo;
  try {
    signed = parseRecutils(prefix);
  } catch (e) {
    return unsigned(`the text before 'Signature:' is not a narinfo: ${(e as Error).message}`);
  }
  const missing = missingFields(signed);
  if (missing.length) return unsigned(`the text before 'Signature:' lacks ${missing.join(', ')}`);

  const v = judgeSignature(sig.text, prefixHash(prefix), acl, 'narinfo');
  const out: NarinfoVerdict = { ...base, status: v.status, message: '' };
  if (v.signer) out.signer = v.signer;
  if (v.fingerprint) out.fingerprint = v.fingerprint;
  if (v.reason) out.reason = v.reason;
  switch (v.status) {
    case 'valid': out.message = `substitute at '${url}' is signed by an authorized key`; break;
    case 'invalid': out.message = `invalid signature for substitute at '${url}'`; break;
    case 'hash-mismatch': out.message = `hash mismatch for substitute at '${url}'`; break;
    case 'unauthorized': out.message = `substitute at '${url}' is signed by an unauthorized party`; break;
    case 'corrupt': out.message = `corrupt signature for substitute at '${url}'`; break;
  }
  return out;
}

/**
 * Add or replace the Signature line as `guix publish` writes it. An existing Signature line is
 * replaced where it stands; else the line goes after the last field describing the item
 * (StorePath … Deriver, System), before the URL/Compression/FileSize/FileHash block that follows
 * (publish's layout), or at the end. Everything above it is what gets signed: transport fields
 * placed above the item's fields are signed too.
 */
export function signNarinfo(text: string, pair: KeyPair, host: string = hostname()): string {
  parseRecutils(text); // refuse what Guix could not read
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const isSig = (l: string): boolean => l.startsWith('Signature:');
  const field = (l: string): string => l.slice(0, l.indexOf(':'));
  let at = lines.findIndex(isSig);
  if (at < 0) {
    // After the last field that describes the item (so all of them are signed, whatever order
    // the file uses), before the transport block that follows it, as publish lays it out.
    let lastItemField = -1;
    lines.forEach((l, i) => {
      if (ITEM_FIELDS.has(field(l))) lastItemField = i;
    });
    at = lines.findIndex((l, i) => i > lastItemField && TRANSPORT.has(field(l)));
    if (at < 0) {
      at = lines.length;
      while (at > 0 && lines[at - 1]!.trim() === '') at--;
    }
  }
  const head = lines.slice(0, at);
  const tail = lines.slice(at).filter((l, i) => !(isSig(l) || (i > 0 && l.startsWith('+') && isSig(lines[at + i - 1]!))));
  const prefix = head.length ? `${head.join('\n')}\n` : '';
  if (prefix.includes('Signature:')) throw new KeytoolError("cannot sign: 'Signature:' appears inside a field above the signature");
  const signed = parseRecutils(prefix);
  const missing = missingFields(signed);
  if (missing.length) throw new KeytoolError(`cannot sign: the fields above the signature lack ${missing.join(', ')} (Guix would treat the narinfo as unsigned)`);
  if (/[;\s]/.test(host) || !host) throw new KeytoolError(`invalid host name for the signature: ${JSON.stringify(host)}`, 2);
  const sig = printAdvanced(signHash(pair, prefixHash(prefix)));
  const line = `Signature: 1;${host};${signatureBase64(sig)}`;
  return `${prefix}${line}\n${tail.map((l) => `${l}\n`).join('')}`;
}
