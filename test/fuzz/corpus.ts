// Valid inputs of every format the fuzz targets read, built in memory (no files, no gpg) from
// the project's own writers and the libgcrypt vectors of test/fixtures, and each format's
// dictionary of tokens. Mutating valid inputs reaches deep into a parser; random bytes alone
// rarely get past its first check.
import { createHash } from 'node:crypto';
import signatureVectors from '../fixtures/signatures.json' with { type: 'json' };
import sexpVectors from '../fixtures/sexp.json' with { type: 'json' };
import { keyPairFromSexp, signHash, type KeyPair } from '../../src/crypto/index.js';
import { EMPTY_AUTHORIZATIONS } from '../../src/git/authorizations.js';
import { armor, encodePacket } from '../../src/git/openpgp/index.js';
import { PacketTag } from '../../src/git/openpgp/packets.js';
import { makeSigner, type TestSigner } from '../../src/git/openpgp/sign.js';
import { itemMetadata } from '../../src/nar/bundle.js';
import { signNarinfo } from '../../src/nar/narinfo.js';
import { concatBytes, str, u64 } from '../../src/nar/wire.js';
import { parseSexp, printAdvanced, printCanonical, printTransport, type SexpList } from '../../src/sexp/index.js';
import { latin1Bytes, utf8Bytes, type Corpus } from './mutate.js';

interface VectorKey {
  label: string;
  public_key_file: string;
  secret_key_file: string;
  signatures: { hash: string; signature?: string }[];
}
const vectorKeys = (signatureVectors as { keys: VectorKey[] }).keys;
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Vector key pairs used to sign seeds: Ed25519 (fast) and RSA-1024. */
function vectorPair(label: string): { pair: KeyPair; pub: SexpList; secretFile: Uint8Array; publicFile: Uint8Array } {
  const k = vectorKeys.find((v) => v.label === label)!;
  const secretFile = fromHex(k.secret_key_file);
  const publicFile = fromHex(k.public_key_file);
  const pub = parseSexp(publicFile) as SexpList;
  return { pair: keyPairFromSexp(parseSexp(secretFile), pub), pub, secretFile, publicFile };
}

let cachedKeys: ReturnType<typeof loadKeys> | undefined;
function loadKeys() {
  return { ed: vectorPair('ecdsa-ed25519'), rsa: vectorPair('rsa-1024') };
}
/** The signing keys (parsed once). */
export const keys = () => (cachedKeys ??= loadKeys());

/** The public keys the ACL of the narinfo, bundle and helper targets authorizes. */
export const aclKeys = (): SexpList[] => [keys().ed.pub, keys().rsa.pub];

// ---------------------------------------------------------------------------------------------
// Nars and bundles

type Tree = { file: string; executable?: boolean } | { link: string } | { dir: Record<string, Tree> };

function narNode(t: Tree, out: Uint8Array[]): void {
  out.push(str('('), str('type'));
  if ('file' in t) {
    out.push(str('regular'));
    if (t.executable) out.push(str('executable'), str(''));
    out.push(str('contents'), str(t.file));
  } else if ('link' in t) {
    out.push(str('symlink'), str('target'), str(t.link));
  } else {
    out.push(str('directory'));
    for (const name of Object.keys(t.dir).sort()) {
      out.push(str('entry'), str('('), str('name'), str(name), str('node'));
      narNode(t.dir[name]!, out);
      out.push(str(')'));
    }
  }
  out.push(str(')'));
}

/** The nar of a tree, as the writer lays it out (names sorted). */
export function narOf(t: Tree): Uint8Array {
  const out = [str('nix-archive-1')];
  narNode(t, out);
  return concatBytes(out);
}

const deep = (depth: number): Tree => (depth === 0 ? { file: 'leaf\n' } : { dir: { d: deep(depth - 1) } });

/** Directories nested `depth` deep around one file, built flat (the reader's limit is 1024). */
export function deepNar(depth: number): Uint8Array {
  const open = concatBytes([str('('), str('type'), str('directory'), str('entry'), str('('), str('name'), str('d'), str('node')]);
  const close = concatBytes([str(')'), str(')')]);
  const leaf: Uint8Array[] = [];
  narNode({ file: 'x' }, leaf);
  return concatBytes([str('nix-archive-1'), ...Array<Uint8Array>(depth).fill(open), ...leaf, ...Array<Uint8Array>(depth).fill(close)]);
}

const NAR_TREES: Tree[] = [
  { file: 'hello\n' },
  { file: '' },
  { file: '#!/bin/sh\necho hi\n', executable: true },
  { link: 'a.txt' },
  { dir: {} },
  // Spec appendix A.2.
  { dir: { B: { file: '' }, 'a.txt': { file: 'hello\n' }, link: { link: 'a.txt' }, sub: { dir: { 'run.sh': { file: '#!/bin/sh\necho hi\n', executable: true } } } } },
  { dir: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${String(i).padStart(2, '0')}`, { file: 'x'.repeat(i) }])) },
  deep(40),
  { file: 'z'.repeat(3000) },
];

export const STORE = '/gnu/store/';
const HELLO = `${STORE}0123456789abcdfghijklmnpqrsvwxyz-hello`;
const DEP = `${STORE}zyxwvsrqpnmlkjihgfdcba9876543210-dep`;

/** One export item: marker, nar, metadata, signature (`sign` null: the unsigned flag). */
function bundleItem(nar: Uint8Array, storePath: string, references: string[], deriver: string, sign: KeyPair | null): Uint8Array {
  const meta = itemMetadata({ storePath, references, deriver });
  if (!sign) return concatBytes([u64(1), nar, meta, u64(0)]);
  const hash = new Uint8Array(createHash('sha256').update(nar).update(meta).digest());
  return concatBytes([u64(1), nar, meta, u64(1), str(printAdvanced(signHash(sign, hash)))]);
}

export function narCorpus(): Corpus {
  return {
    // Nesting near the reader's limit of 1024 is test/fuzz/fuzz.test.ts's worst case: reading it
    // takes long enough that as a seed it would slow every mutation of it.
    seeds: [...NAR_TREES.map(narOf), deepNar(100)],
    dictionary: ['nix-archive-1', '(', ')', 'type', 'regular', 'directory', 'symlink', 'contents', 'executable', 'entry', 'name', 'node', 'target', '.', '..', 'a/b', '\0', ''].map((s) => str(s)),
    nesting: [concatBytes([str('entry'), str('('), str('name'), str('d'), str('node'), str('('), str('type'), str('directory')]), concatBytes([str('(')])],
    endian: 'little',
  };
}

export function bundleCorpus(): Corpus {
  const { ed, rsa } = keys();
  const [file, , exe, link, , tree] = NAR_TREES.map(narOf) as Uint8Array[];
  const seeds = [
    concatBytes([bundleItem(file!, HELLO, [DEP], '', ed.pair), u64(0)]),
    concatBytes([bundleItem(tree!, DEP, [], '', ed.pair), bundleItem(exe!, HELLO, [DEP, HELLO], `${STORE}aaaabbbbccccddddffffgggghhhhiiii-hello.drv`, rsa.pair), u64(0)]),
    concatBytes([bundleItem(link!, HELLO, [], '', null), u64(0)]),
    u64(0),
  ];
  return {
    seeds,
    dictionary: [...narCorpus().dictionary, u64(1), u64(0), u64(0x4558494e), str(HELLO), str(DEP), str(STORE), str('/gnu/store/x/y'), str('(signature)')],
    nesting: narCorpus().nesting,
    endian: 'little',
  };
}

// ---------------------------------------------------------------------------------------------
// narinfo

const A4_UNSIGNED = `StorePath: ${STORE}0123456789abcdfghijklmnpqrsvwxyz-tree
NarHash: sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7
NarSize: 1072
References: zyxwvsrqpnmlkjihgfdcba9876543210-dep
Deriver: zyxwvsrqpnmlkjihgfdcba9876543210-tree.drv
URL: nar/gzip/0123456789abcdfghijklmnpqrsvwxyz-tree
Compression: gzip
FileSize: 321
`;

export function narinfoCorpus(): Corpus {
  const { ed, rsa } = keys();
  const signedEd = signNarinfo(A4_UNSIGNED, ed.pair, 'example.org');
  const signedRsa = signNarinfo(`${A4_UNSIGNED}URL: nar/zstd/x\nCompression: zstd\nFileSize: 300\n`, rsa.pair, 'ci.example');
  return {
    seeds: [signedEd, signedRsa, A4_UNSIGNED, `# comment\n\n${signedEd}\n\nStorePath: other\n`, signedEd.replace('References: ', 'References: \n+ continued\n+')].map(utf8Bytes),
    dictionary: ['Signature: ', 'Signature: 1;h;', 'StorePath: ', 'NarHash: ', 'References: ', 'URL: ', '\n', '\n+', ';', '1;', '0;', '1e0;', '==', '#', ':', '\u00e9', '\uffff', '\ud83d\ude00'].map(utf8Bytes),
    nesting: [utf8Bytes('+x\n'), utf8Bytes('Signature: 1;h;AAAA\n')],
    endian: 'text',
  };
}

// ---------------------------------------------------------------------------------------------
// OpenPGP

let cachedSigners: TestSigner[] | undefined;
/** An Ed25519 and an RSA OpenPGP key, made in-process (keys only matter as valid structures). */
export const signers = (): TestSigner[] => (cachedSigners ??= [makeSigner('ed25519'), makeSigner('rsa')]);

/** The message every OpenPGP seed signature signs. */
export const OPENPGP_MESSAGE = utf8Bytes('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.org> 0 +0000\n\nmessage\n');

const dearmorBody = (text: string): Uint8Array => {
  const lines = text.split('\n').filter((l) => l && !l.startsWith('-----') && !l.startsWith('='));
  return new Uint8Array(Buffer.from(lines.join(''), 'base64'));
};

/** Binary packets: keys (with user ID and signature packets between), detached signatures. */
function openpgpBinarySeeds(): Uint8Array[] {
  const [ed, rsa] = signers() as [TestSigner, TestSigner];
  const sigEd = dearmorBody(ed.sign(OPENPGP_MESSAGE, 'sha256'));
  const sigRsa = dearmorBody(rsa.sign(OPENPGP_MESSAGE, 'sha512', { issuerFingerprint: false }));
  const uid = encodePacket(PacketTag.UserID, utf8Bytes('Alice <alice@example.org>'));
  const subkey = encodePacket(PacketTag.PublicSubkey, ed.publicKeyPacket.subarray(2));
  return [
    ed.publicKeyPacket,
    concatBytes([ed.publicKeyPacket, uid, sigEd, subkey, sigEd]),
    concatBytes([rsa.publicKeyPacket, uid, sigRsa]),
    sigEd,
    sigRsa,
    dearmorBody(ed.sign(OPENPGP_MESSAGE, 'sha1', { issuerKeyId: false })),
    // Old-format headers (2- and 4-byte lengths) for the same bodies.
    concatBytes([Uint8Array.of(0x99, 0, ed.publicKeyPacket.length - 2), ed.publicKeyPacket.subarray(2)]),
    concatBytes([Uint8Array.of(0x8a, 0, 0, 0, sigEd.length - 2), sigEd.subarray(2)]),
  ];
}

export function openpgpPacketCorpus(): Corpus {
  return {
    seeds: openpgpBinarySeeds(),
    dictionary: [
      Uint8Array.of(0xc2), Uint8Array.of(0xc6), Uint8Array.of(0xce), Uint8Array.of(0x88), Uint8Array.of(0x99), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0xe0), Uint8Array.of(0xdf, 0xff), Uint8Array.of(0x04, 0x00, 0x16, 0x08), Uint8Array.of(0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01),
      Uint8Array.of(0x80 | 0x7f), Uint8Array.of(0x21, 0x04), Uint8Array.of(0x09, 0x10), Uint8Array.of(0x00, 0x00),
    ],
    nesting: [Uint8Array.of(0xc0 | PacketTag.Marker, 3, 0x50, 0x47, 0x50), Uint8Array.of(0x01, 0x00)],
    endian: 'big',
  };
}

export function armorCorpus(): Corpus {
  const [ed, rsa] = signers() as [TestSigner, TestSigner];
  const texts = [
    ed.sign(OPENPGP_MESSAGE, 'sha256'),
    rsa.sign(OPENPGP_MESSAGE),
    armor('PGP PUBLIC KEY BLOCK', openpgpBinarySeeds()[1]!),
    armor('PGP PUBLIC KEY BLOCK', rsa.publicKeyPacket).replace('\n\n', '\nVersion: GnuPG v2\nComment: x\n\n'),
    ed.sign(OPENPGP_MESSAGE).replace(/\n/g, '\r\n'),
  ];
  return {
    seeds: texts.map(latin1Bytes),
    dictionary: ['-----BEGIN PGP SIGNATURE-----', '-----END PGP SIGNATURE-----', '-----BEGIN PGP PUBLIC KEY BLOCK-----', '-----', '\n', '\r\n', '\n\n', '=', '==', '=AAAA', 'Comment: ', '====', 'A', '/+'].map(latin1Bytes),
    nesting: [latin1Bytes('\n'), latin1Bytes('AAAA\n'), latin1Bytes('=')],
    endian: 'text',
  };
}

// ---------------------------------------------------------------------------------------------
// .guix-authorizations

// Guix's own layout: entries in one list, a subkey with a `;; primary:` comment, trailing comments.
const AUTHORIZATIONS = `;; Keys authorized to sign commits of this channel.

(authorizations
 (version 0)               ;current version

 (("AD17 A21E F8AE D8F1 CC02  DBD9 F7D5 C9BF 765C 61E3"
   (name "alice"))
  (;; primary: "2841 9AC6 5038 7440 C7E9  2FFA 2208 D209 58C1 DEB0"
   "CBC5 9C66 EC27 B971 7940  6B3E 6BE8 208A 2B47 6C28" (name "bob"))
  ("7F73 0343 F2F0 9F3C 77BF  79D3 2E25 F787 13EA 44E7" ; carol
   (name "carol") (extra "ignored"))))
`;

export function authorizationsCorpus(): Corpus {
  return {
    seeds: [
      AUTHORIZATIONS,
      EMPTY_AUTHORIZATIONS,
      '#| block #| nested |# |# (authorizations [version 0] (("ab cd" (name "x") extra) #;("ef" (name "gone"))) trailing (stuff))',
      '(authorizations (version 0) (("AAAA" (name "a\\x41;\\n\\"")) ; alice\n  ))\n',
      "(authorizations (version 0) ('(\"ab\") `(\"cd\" (name ,x))))",
    ].map(utf8Bytes),
    dictionary: ['(', ')', '[', ']', '"', '\\', '\\x', ';', '#|', '|#', '#;', "'", '`', ',', '\n', 'authorizations', 'version', 'name', '0', '"AB CD"', '\\x110000;', '\\xFFFFFFFF;', '\u00a0', '\u0301'].map(utf8Bytes),
    nesting: [utf8Bytes('('), utf8Bytes('#|'), utf8Bytes('#;'), utf8Bytes("'"), utf8Bytes('[')],
    endian: 'text',
  };
}

// ---------------------------------------------------------------------------------------------
// S-expressions and the helper protocol

const SEXP_CASES = (sexpVectors as { cases: { input: string }[] }).cases;

/** Signature texts of the vectors (all algorithms), and keys in the three forms. */
function sexpSeeds(): Uint8Array[] {
  const sigs = vectorKeys.flatMap((k) => k.signatures.slice(0, 2).flatMap((s) => (s.signature ? [fromHex(s.signature)] : [])));
  const pub = keys().ed.pub;
  return [...sigs, printCanonical(pub), printTransport(pub), ...SEXP_CASES.filter((_, i) => i % 4 === 0).map((c) => fromHex(c.input))];
}

export function sexpCorpus(): Corpus {
  return {
    seeds: sexpSeeds(),
    dictionary: ['(', ')', '[', ']', '#', '|', '"', '\\', '{', '}', '3:abc', '0:', '4294967296:', '99999999999:', '\\x', '\\377', '#0#', '|YQ==|', 'signature', 'data', 'hash', 'sha256', 'sig-val', 'public-key', 'ecc', 'rsa', 'curve', 'Ed25519'].map(latin1Bytes),
    nesting: [latin1Bytes('('), latin1Bytes('(a'), latin1Bytes('[a]'), latin1Bytes('{KA==')],
    endian: 'text',
  };
}

/** Where the helper target's key files are written (see targets.ts). */
export interface HelperFiles {
  edSecret: string;
  rsaSecret: string;
}

export function helperCorpus(files: HelperFiles): Corpus {
  const sigs = sexpSeeds().slice(0, 12);
  const hash = 'A'.repeat(64);
  const request = (command: string, ...args: (string | Uint8Array)[]): Uint8Array =>
    concatBytes([latin1Bytes(command), ...args.flatMap((a) => {
      const b = typeof a === 'string' ? latin1Bytes(a) : a;
      return [latin1Bytes(` ${b.length}:`), b];
    }), latin1Bytes('\n')]);
  return {
    seeds: [
      request('sign', files.edSecret, hash),
      request('sign', files.rsaSecret, hash.slice(0, 40)),
      ...sigs.map((s) => request('verify', s)),
      concatBytes([request('verify', sigs[0]!), request('sign', files.edSecret, hash), request('frobnicate')]),
      latin1Bytes('sign\t 1:a  \t1:b \r\n\nfoo\nbar \n'),
    ],
    dictionary: ['sign', 'verify', ' ', '\t', '\r', '\n', ':', '0:', '1:', '99999999:', '1048576:', '1048577:', '\n\n', files.edSecret, '/dev/stdin', '/proc/self/fd/0', '(signature)'].map(latin1Bytes),
    nesting: [latin1Bytes(' 0:'), latin1Bytes('\n'), latin1Bytes('x')],
    endian: 'text',
  };
}
