// The fuzz targets: per parser, a function that feeds it one input and says how it ended —
// accepted, or refused with the project's own error class for that format. Anything else thrown
// is a bug: another exception, a streaming reader whose answer depends on how its input was cut,
// or an edit/sign/print whose output its own reader refuses.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { printAcl } from '../../src/acl/acl.js';
import { KeytoolError } from '../../src/errors.js';
import { addAuthorization, parseAuthorizations, removeAuthorization } from '../../src/git/authorizations.js';
import { dearmor, Keyring, OpenPGPError, readSignature, verifySignature, type SignaturePacket } from '../../src/git/openpgp/index.js';
import { BundleParser, type BundleEvent } from '../../src/nar/bundle.js';
import { NarError } from '../../src/nar/errors.js';
import { parseRecutils, parseSignatureField, signNarinfo, verifyNarinfo } from '../../src/nar/narinfo.js';
import { NarParser, narPathNames, type NarEvent } from '../../src/nar/reader.js';
import { judgeSignature } from '../../src/nar/verdict.js';
import { readRequests, RequestReader, type ProtocolEvent } from '../../src/helper/protocol.js';
import { Session } from '../../src/helper/server.js';
import { parseSexp, printAdvanced, printCanonical, printTransport, sexpEqual, SexpError, SexpReader, type Sexp } from '../../src/sexp/index.js';
import {
  aclKeys, armorCorpus, authorizationsCorpus, bundleCorpus, helperCorpus, keys, narCorpus, narinfoCorpus, OPENPGP_MESSAGE,
  openpgpPacketCorpus, sexpCorpus, signers,
} from './corpus.js';
import { chunks, type Corpus, type FuzzInput } from './mutate.js';

export type Outcome = 'accepted' | 'refused';

export interface Target {
  name: string;
  /** What is fed to what. */
  about: string;
  corpus(): Corpus;
  /** Feed one input; throws only for a bug. */
  run(input: FuzzInput): Outcome;
}

/** A property of the parser that does not hold (as opposed to an exception it let out). */
export class PropertyFailure extends Error {
  override name = 'PropertyFailure';
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** `f()`'s value, or the expected error it threw; any other exception goes on up (a bug). */
function attempt<T>(expected: readonly ErrorClass[], f: () => T): { ok: true; value: T } | { ok: false; error: Error } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (expected.some((c) => e instanceof c)) return { ok: false, error: e as Error };
    throw e;
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new PropertyFailure(what);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (b: Uint8Array, encoding: 'utf8' | 'latin1'): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString(encoding);

/** What a reader answered, in a form that does not depend on chunking (data hashed, not kept). */
class Transcript {
  private readonly hash = createHash('sha256');
  add(line: string): void {
    this.hash.update(line).update('\n');
  }
  data(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

function noteNarEvent(t: Transcript, e: NarEvent): void {
  if (e.type === 'data') return t.data(e.bytes);
  const p = narPathNames(e.path).map(hex).join('/');
  if (e.type === 'file') t.add(`file ${p} ${e.executable} ${e.size}`);
  else if (e.type === 'symlink') t.add(`symlink ${p} ${hex(e.target)}`);
  else t.add(`${e.type} ${p}`);
}

/** Run a push parser over `parts`; the transcript of its events, or its error message. */
function stream<E>(parts: Uint8Array[], parser: { push(c: Uint8Array): E[]; end(): unknown }, note: (t: Transcript, e: E) => void, onEvent?: (e: E) => void): { outcome: Outcome; summary: string } {
  const t = new Transcript();
  const r = attempt([NarError], () => {
    for (const part of parts) for (const e of parser.push(part)) {
      note(t, e);
      onEvent?.(e);
    }
    return parser.end();
  });
  return r.ok ? { outcome: 'accepted', summary: `accepted ${String(r.value)} ${t.digest()}` } : { outcome: 'refused', summary: `refused: ${r.error.message}` };
}

/** The whole input in one push and the same input in chunks must read the same. */
function sameBothWays(whole: { summary: string }, split: { summary: string }, cuts: number[]): void {
  check(whole.summary === split.summary, `chunked read differs from whole read (cuts ${JSON.stringify(cuts.slice(0, 20))}): whole ${whole.summary.slice(0, 200)} / chunked ${split.summary.slice(0, 200)}`);
}

const nar: Target = {
  name: 'nar',
  about: 'NarParser (src/nar/reader.ts): whole and chunked',
  corpus: narCorpus,
  run(input) {
    const whole = stream([input.bytes], new NarParser(), noteNarEvent);
    sameBothWays(whole, stream(chunks(input), new NarParser(), noteNarEvent), input.cuts);
    return whole.outcome;
  },
};

function noteBundleEvent(t: Transcript, e: BundleEvent): void {
  if (e.type === 'nar') return noteNarEvent(t, e.event);
  if (e.type === 'item-start') return t.add(`item-start ${e.index} ${e.offset}`);
  const i = e.item;
  t.add(`item ${i.index} ${i.storePath} ${i.references.join(',')} ${i.deriver} ${i.narSize} ${hex(i.hash)} ${i.signature ? hex(i.signature) : '-'} ${i.offset}`);
}

const bundle: Target = {
  name: 'bundle',
  about: 'BundleParser (src/nar/bundle.ts), whole and chunked; each signature judged against an ACL',
  corpus: bundleCorpus,
  run(input) {
    const acl = aclKeys();
    const judge = (e: BundleEvent) => {
      if (e.type === 'item' && e.item.signature) judgeSignature(e.item.signature, e.item.hash, acl, 'import');
    };
    const whole = stream([input.bytes], new BundleParser(), noteBundleEvent, judge);
    sameBothWays(whole, stream(chunks(input), new BundleParser(), noteBundleEvent), input.cuts);
    return whole.outcome;
  },
};

const narinfo: Target = {
  name: 'narinfo',
  about: 'parseRecutils, parseSignatureField, verifyNarinfo, signNarinfo (src/nar/narinfo.ts); what we sign must verify',
  corpus: narinfoCorpus,
  run(input) {
    const t = text(input.bytes, 'utf8');
    const acl = aclKeys();
    const read = attempt([KeytoolError], () => parseRecutils(t));
    const field = read.ok ? read.value.fields.get('Signature') : undefined;
    if (field !== undefined) attempt([KeytoolError], () => parseSignatureField(field));
    verifyNarinfo(t, acl); // never throws: every fault is a verdict
    if (!read.ok) return 'refused';
    const signed = attempt([KeytoolError], () => signNarinfo(t, keys().ed.pair, 'fuzz.example'));
    if (signed.ok) {
      const v = verifyNarinfo(signed.value, acl);
      check(v.status === 'valid', `signNarinfo wrote a narinfo that verifyNarinfo finds ${v.status}: ${v.message}`);
    }
    return 'accepted';
  },
};

let knownKeyring: Keyring | undefined;
/** The keyring seed signatures are checked against: the seed signers' keys. */
function seedKeyring(): Keyring {
  if (!knownKeyring) {
    knownKeyring = new Keyring();
    for (const s of signers()) knownKeyring.add(s.publicKey);
  }
  return knownKeyring;
}

/** Verify `sig` with every key of both keyrings: only OpenPGPError may come out. */
function verifyWithAll(sig: SignaturePacket, rings: Keyring[]): void {
  for (const ring of rings) for (const key of ring.keys()) attempt([OpenPGPError], () => verifySignature(sig, key, OPENPGP_MESSAGE));
}

/** Binary OpenPGP data read as a keyring and as a signature; a signature is then verified. */
function readOpenPGP(data: Uint8Array): Outcome {
  const ring = new Keyring();
  const asKeys = attempt([OpenPGPError], () => ring.addBinary(data));
  const asSig = attempt([OpenPGPError], () => readSignature(data));
  if (asSig.ok) verifyWithAll(asSig.value, [seedKeyring(), ring]);
  return asKeys.ok || asSig.ok ? 'accepted' : 'refused';
}

const openpgpPackets: Target = {
  name: 'openpgp-packets',
  about: 'Keyring.addBinary, readSignature, verifySignature (src/git/openpgp/)',
  corpus: openpgpPacketCorpus,
  run: (input) => readOpenPGP(input.bytes),
};

const openpgpArmor: Target = {
  name: 'openpgp-armor',
  about: 'dearmor, then the packets; Keyring.addFile (armor detection) (src/git/openpgp/)',
  corpus: armorCorpus,
  run(input) {
    const t = text(input.bytes, 'latin1');
    attempt([OpenPGPError], () => new Keyring().addFile(input.bytes));
    const armored = attempt([OpenPGPError], () => dearmor(t));
    if (!armored.ok) return 'refused';
    readOpenPGP(armored.value.data);
    return 'accepted';
  },
};

const FUZZ_FINGERPRINT = 'ABCD 0123 4567 89AB CDEF  0123 4567 89AB CDEF 0123';

const authorizations: Target = {
  name: 'guix-authorizations',
  about: 'parseAuthorizations (src/git/authorizations.ts, scheme.ts); an edit must leave a file it can read',
  corpus: authorizationsCorpus,
  run(input) {
    const t = text(input.bytes, 'utf8');
    const file = attempt([KeytoolError], () => parseAuthorizations(t));
    if (!file.ok) return 'refused';
    const count = file.value.entries.length;
    const reread = (edited: string, what: string) => {
      const r = attempt([KeytoolError], () => parseAuthorizations(edited));
      if (!r.ok) throw new PropertyFailure(`${what} wrote a file parseAuthorizations refuses (${r.error.message}): ${JSON.stringify(edited.slice(0, 300))}`);
      return r.value.entries;
    };
    const added = attempt([KeytoolError], () => addAuthorization(t, { fingerprint: FUZZ_FINGERPRINT, name: 'fuzz "\\ name' }));
    if (added.ok) {
      const entries = reread(added.value, 'addAuthorization');
      check(entries.length === count + 1 && entries.some((e) => e.written === FUZZ_FINGERPRINT && e.name === 'fuzz "\\ name'), `addAuthorization did not add exactly one entry: ${JSON.stringify(added.value.slice(0, 300))}`);
    }
    const first = file.value.entries[0];
    if (first) {
      const removed = attempt([KeytoolError], () => removeAuthorization(t, first.written));
      if (removed.ok) {
        const entries = reread(removed.value, 'removeAuthorization');
        check(entries.length === count - 1, `removeAuthorization left ${entries.length} of ${count} entries: ${JSON.stringify(removed.value.slice(0, 300))}`);
      }
    }
    return 'accepted';
  },
};

/** The S-expression as comparable text: canonical bytes (hex), or the error. */
function sexpSummary(r: { ok: true; value: Sexp } | { ok: false; error: Error }): string {
  return r.ok ? `accepted ${hex(printCanonical(r.value))}` : `refused: ${r.error.message} (code ${(r.error as SexpError).code})`;
}

const sexp: Target = {
  name: 'sexp',
  about: 'parseSexp and SexpReader (src/sexp/), whole and chunked; what the printers write reads back the same',
  corpus: sexpCorpus,
  run(input) {
    const whole = attempt([SexpError], () => parseSexp(input.bytes));
    const split = attempt([SexpError], () => {
      const r = new SexpReader();
      for (const c of chunks(input)) r.push(c);
      return r.end();
    });
    sameBothWays({ summary: sexpSummary(whole) }, { summary: sexpSummary(split) }, input.cuts);
    if (!whole.ok) return 'refused';
    for (const [form, print] of [['advanced', printAdvanced], ['transport', printTransport]] as const) {
      const printed = print(whole.value);
      const back = attempt([SexpError], () => parseSexp(printed));
      check(back.ok && sexpEqual(back.value, whole.value), `the ${form} form does not read back the same: ${JSON.stringify(text(printed, 'latin1').slice(0, 200))}${back.ok ? '' : ` (${back.error.message})`}`);
    }
    return 'accepted';
  },
};

/** A configuration directory for the helper's session: the seed keys and an ACL of both. */
let helperSetup: { session: Session; files: { edSecret: string; rsaSecret: string } } | undefined;
function helper(): NonNullable<typeof helperSetup> {
  if (helperSetup) return helperSetup;
  const dir = mkdtempSync(path.join(tmpdir(), 'keytool-fuzz-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const { ed, rsa } = keys();
  const files = { edSecret: path.join(dir, 'ed.sec'), rsaSecret: path.join(dir, 'rsa.sec') };
  writeFileSync(files.edSecret, ed.secretFile, { mode: 0o600 });
  writeFileSync(path.join(dir, 'ed.pub'), ed.publicFile);
  writeFileSync(files.rsaSecret, rsa.secretFile, { mode: 0o600 });
  writeFileSync(path.join(dir, 'rsa.pub'), rsa.publicFile);
  writeFileSync(path.join(dir, 'acl'), printAcl(aclKeys()));
  helperSetup = { session: new Session({ configDir: dir }), files };
  return helperSetup;
}

function protocolSummary(events: ProtocolEvent[], midRequest: boolean): string {
  return `${events.map((e) => (e.kind === 'request' ? `request ${hex(e.command)} ${e.args.map(hex).join(' ')}` : `${e.kind} ${e.message}`)).join('\n')}\nmid-request ${midRequest}`;
}

/** Replies say what is wrong in words (as C's strerror does), never with the errno's name. */
const ERRNO_NAME = /\bE(?:NOENT|ISDIR|EXIST|ACCES|PERM|NOTDIR|LOOP|NAMETOOLONG|INVAL|AGAIN|NXIO|MFILE|IO|FBIG|NOTSUP|BADF)\b/;

/** Requests answered per input: each may sign or verify with RSA. */
const MAX_REPLIES = 16;

const helperProtocol: Target = {
  name: 'helper-protocol',
  about: 'RequestReader (src/helper/protocol.ts), whole and chunked, then Session.handle (src/helper/server.ts) on what it reads',
  corpus: () => helperCorpus(helper().files),
  run(input) {
    const whole = readRequests(input.bytes);
    const reader = new RequestReader();
    const split = chunks(input).flatMap((c) => reader.push(c));
    sameBothWays({ summary: protocolSummary(whole.events, whole.midRequest) }, { summary: protocolSummary(split, reader.midRequest) }, input.cuts);
    const fatal = whole.events.findIndex((e) => e.kind === 'fatal');
    check(fatal < 0 || fatal === whole.events.length - 1, 'events after a fatal one');
    for (const e of whole.events) {
      if (e.kind === 'request') check(e.args.length <= 8 && e.args.every((a) => a.length <= 1 << 20), 'a request beyond the reader\'s limits');
    }
    const { session } = helper();
    for (const e of whole.events.slice(0, MAX_REPLIES)) {
      const reply = session.handle(e);
      const payload = typeof reply.payload === 'string' ? reply.payload : text(reply.payload, 'latin1');
      check(!payload.startsWith('internal error'), `the session hit a bug: ${payload.slice(0, 300)}`);
      if (e.kind === 'request' && text(e.command, 'latin1') === 'sign') check(!ERRNO_NAME.test(payload), `a reply shows an errno name: ${payload.slice(0, 300)}`);
    }
    return whole.events.some((e) => e.kind === 'request') ? 'accepted' : 'refused';
  },
};

export const TARGETS: readonly Target[] = [nar, bundle, narinfo, openpgpPackets, openpgpArmor, authorizations, sexp, helperProtocol];

export function targetNamed(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target ${JSON.stringify(name)} (targets: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
