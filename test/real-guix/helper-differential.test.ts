// Our `authenticate` helper against the real `guix authenticate`, request by request: both run
// as long-lived helpers (as guix-daemon keeps them), get the same requests, and must give the same
// reply bytes wherever the real one answers. Keys of every type, made by real Guix; hashes of 20,
// 32, 48 and 64 bytes; sign, verify with the signer in the ACL and not, corrupted signatures.
// Where the real helper dies (a Guile backtrace, no reply), ours must answer (500, or 0 for a good
// signature the real one cannot verify) and keep serving; each such request is listed in the
// report and in WORK/helper-deaths.txt, and the real helper is started again for the next one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSexp, printCanonical, printTransport } from '../../src/sexp/index.js';
import { requestBytes } from '../helper/daemon-client.js';
import { authorize, makeConfigDir, WORK, writeInRoot, type ConfigDir } from './support/daemon.js';
import { HelperSession, type Outcome } from './support/helper-session.js';
import { onHost } from './support/root.js';
import { Tally } from './support/tally.js';

const KEYS = [
  { name: 'ed25519', parameters: undefined },
  { name: 'p256', parameters: '(genkey (ecdsa (curve "NIST P-256")))' },
  { name: 'p384', parameters: '(genkey (ecdsa (curve "NIST P-384")))' },
  { name: 'p521', parameters: '(genkey (ecdsa (curve "NIST P-521")))' },
  { name: 'rsa2048', parameters: '(genkey (rsa (nbits 4:2048)))' },
  { name: 'rsa4096', parameters: '(genkey (rsa (nbits 4:4096)))' },
] as const;
const HASH_SIZES = [32, 20, 48, 64]; // 32 first: its signature stands in where another size cannot be signed

interface Key {
  name: string;
  config: ConfigDir;
  secret: string;
  /** signing-key.pub as Guix wrote it. */
  publicText: string;
  rsa: boolean;
}

/** One ACL set-up: a real and our helper reading it. */
interface Pair {
  acl: 'all' | 'none';
  real: HelperSession;
  ours: HelperSession;
}

const tally = new Tally('helper-differential');
const deaths: string[] = [];
let keys: Key[] = [];
let pairs: Pair[] = [];
let sent = 0;
/** A good signature per key, from the 32-byte round, for the encoding cases. */
const goodSignatures = new Map<string, string>();

beforeAll(async () => {
  keys = await Promise.all(
    KEYS.map(async ({ name, parameters }) => {
      const config = await makeConfigDir(`differential-${name}`, { keys: 'guix', ...(parameters ? { parameters } : {}) });
      return {
        name,
        config,
        secret: `${config.dir}/signing-key.sec`,
        publicText: readFileSync(onHost(`${config.dir}/signing-key.pub`), 'latin1'),
        rsa: name.startsWith('rsa'),
      };
    }),
  );
  // 'all': every key authorized (by real Guix's `guix archive --authorize`); 'none': no ACL file.
  const all = await makeConfigDir('differential-acl-all');
  await authorize(all, keys.map((key) => key.config));
  const none = await makeConfigDir('differential-acl-none');
  pairs = [
    { acl: 'all', real: new HelperSession('real', all.dir), ours: new HelperSession('ours', all.dir) },
    { acl: 'none', real: new HelperSession('real', none.dir), ours: new HelperSession('ours', none.dir) },
  ];
});

afterAll(async () => {
  tally.note(`${sent} requests to each helper; the real one died on ${deaths.length} (list: ${WORK}/helper-deaths.txt):`);
  for (const d of deaths) tally.note(d);
  tally.report();
  writeInRoot(`${WORK}/helper-deaths.txt`, deaths.join('\n') + '\n');
  await Promise.all(pairs.flatMap((p) => [p.real.end(), p.ours.end()]));
});

const show = (o: Outcome): string => ('died' in o ? `died (${o.died})` : `${o.reply.code} ${JSON.stringify(o.reply.payload.toString('latin1').slice(0, 80))}`);

/**
 * One request to both helpers of a pair. Identical replies where the real one answers; where it
 * dies, ours answers `expectWhenRealDies` (default 500) and the death is listed. Returns ours.
 */
async function both(pair: Pair, label: string, request: Buffer, expectWhenRealDies = 500): Promise<Outcome> {
  const [theirs, mine] = await Promise.all([pair.real.request(request), pair.ours.request(request)]);
  sent++;
  const name = `acl-${pair.acl} ${label}`;
  expect('died' in mine, `${name}: our helper ${show(mine)}`).toBe(false);
  if ('died' in theirs) {
    deaths.push(`${name}: real helper died (${theirs.died}); ours: ${show(mine)}`);
    expect('reply' in mine && mine.reply.code, `${name}: ours ${show(mine)}`).toBe(expectWhenRealDies);
  } else if ('reply' in mine) {
    const wire = (o: { reply: { code: number; payload: Buffer } }) => Buffer.concat([Buffer.from(`${o.reply.code} ${o.reply.payload.length}:`), o.reply.payload]);
    const same = tally.compare(name, wire(mine), wire(theirs));
    expect(same, `${name}: ours ${show(mine)}, real ${show(theirs)}`).toBe(true);
  }
  return mine;
}

const hex = (b: Buffer) => b.toString('hex');
const verify = (text: string) => requestBytes('verify', text);

/** Replace the hex of `(FIELD #HEX#)` in a signature text. */
function editHex(sig: string, field: 'r' | 's' | 'hash', edit: (hexText: string) => string): string | undefined {
  const re = field === 'hash' ? /(\(hash \S+ #)([0-9A-F]+)(#\))/ : new RegExp(`(\\(${field} #)([0-9A-F]+)(#\\))`);
  const m = re.exec(sig);
  return m ? sig.replace(re, (_, a: string, h: string, z: string) => a + edit(h) + z) : undefined;
}
const flipDigit = (h: string, at: number) => h.slice(0, at) + ((parseInt(h[at]!, 16) ^ 0x5).toString(16).toUpperCase()) + h.slice(at + 1);

/** Corruptions that make libgcrypt fail, which kills the real helper, whatever the hash size. */
const KILLERS = new Set(['sig-val of the other family', 'no flags', 'garbage sig-val']);

/** Corruptions of a good signature text: each must be refused (or, where noted, still verify). */
function corruptions(sig: string, key: Key, other: Key): [string, string | undefined][] {
  const publicKey = /\(public-key[\s\S]*$/.exec(sig)?.[0];
  return [
    ['flip first byte of r', editHex(sig, 'r', (h) => flipDigit(h, 0))],
    ['flip last byte of r', editHex(sig, 'r', (h) => flipDigit(h, h.length - 1))],
    ['flip last byte of s', editHex(sig, 's', (h) => flipDigit(h, h.length - 1))],
    ['r and s swapped', sig.replace(/\(r #([0-9A-F]+)#\)\n   \(s #([0-9A-F]+)#\)/, '(r #$2#)\n   (s #$1#)')],
    ['flip a byte of the public key', publicKey ? sig.replace(publicKey, publicKey.replace(/#([0-9A-F])([0-9A-F]+)#\)\n   \)\n  \)\n \)/, (m, d: string, rest: string) => m.replace(d + rest, flipDigit(d, 0) + rest))) : undefined],
    ['flip a byte of the data hash', editHex(sig, 'hash', (h) => flipDigit(h, 6))],
    ['truncate s by a byte', editHex(sig, 's', (h) => h.slice(0, -2))],
    ['s zero', editHex(sig, 's', (h) => '0'.repeat(h.length))],
    ['public key of another type', publicKey ? sig.replace(publicKey, other.publicText.trimEnd() + '\n )\n') : undefined],
    ['sig-val of the other family', key.rsa ? sig.replace(/\(sig-val \n  \(rsa /, '(sig-val \n  (ecdsa \n   (r #01#)') : sig.replace(/\(sig-val \n  \(ecdsa \n   \(r #[0-9A-F]+#\)/, '(sig-val \n  (rsa ')],
    ['hash algorithm sha512', sig.replace('(hash sha256 ', '(hash sha512 ')],
    ['no flags', sig.replace(/  \(flags \w+\)\n/, '')],
    ['garbage sig-val', sig.replace(/\(sig-val[\s\S]*?\n  \)\n/, `(sig-val (${key.rsa ? 'rsa' : 'ecdsa'} (s #${hex(randomBytes(32)).toUpperCase()}#)))\n`)],
  ];
}

describe('guix authenticate and ours, request by request', () => {
  it('sign and verify with every key type and hash size, good and corrupted', async () => {
    for (const [k, key] of keys.entries()) {
      const other = keys[(k + 1) % keys.length]!;
      let stand_in: string | undefined; // this key's signature over a 32-byte hash
      for (const size of HASH_SIZES) {
        const hash = randomBytes(size);
        const label = `${key.name} ${size}-byte hash`;
        let sig: string | undefined;
        // libgcrypt 1.12 signs only a 32-byte hash (SHA-256's length) with any key type; the
        // request that kills the real helper is sent once, not to each pair.
        for (const pair of size === 32 ? pairs : pairs.slice(0, 1)) {
          const mine = await both(pair, `${label}: sign`, requestBytes('sign', key.secret, hex(hash)));
          if ('reply' in mine && mine.reply.code === 0) sig ??= mine.reply.payload.toString('latin1');
        }
        if (size === 32) {
          expect(sig, `${label}: no signature from our helper`).toBeDefined();
          stand_in = sig;
          goodSignatures.set(key.name, sig!);
        }
        // Where this size cannot be signed, verify the 32-byte signature with this hash in its
        // data: a mismatch both must refuse.
        const base = sig ?? editHex(stand_in!, 'hash', () => hex(hash).toUpperCase())!;
        for (const pair of pairs) {
          await both(pair, `${label}: verify${sig ? '' : ' (32-byte signature, this hash)'}`, verify(base));
          // Requests that kill the real helper cost a restart each: with the signer authorized,
          // KILLERS are sent for the 32-byte hash only (and for RSA with another size, where
          // every verify kills it, none); unauthorized, the real one refuses before libgcrypt.
          const authorized = pair.acl === 'all';
          if (authorized && size !== 32 && key.rsa) continue;
          for (const [what, text] of corruptions(base, key, other)) {
            if (authorized && size !== 32 && KILLERS.has(what)) continue;
            if (text !== undefined && text !== base) await both(pair, `${label}: verify, ${what}`, verify(text));
          }
        }
        // Cut inside the text: unbalanced parentheses, which kill the real helper.
        if (size === 32) await both(pairs[0]!, `${label}: verify, text cut in half`, verify(base.slice(0, base.length >> 1)));
      }
    }
  });

  it('requests that are not signatures, and the hash all of letters', async () => {
    const key = keys[0]!;
    const garbage: [string, Buffer][] = [
      ['verify 5:wrong', verify('wrong')],
      ['verify of nothing', verify('')],
      ['verify (signature)', verify('(signature)')],
      ['verify of random bytes', verify(randomBytes(64).toString('latin1'))],
      ['verify of a public key', verify(key.publicText)],
      ['verify with a second argument', requestBytes('verify', 'a', 'b')],
      ['sign without a hash', requestBytes('sign', key.secret)],
      ['sign, hash not hexadecimal', requestBytes('sign', key.secret, 'zzzz')],
      ['sign, hash of odd length', requestBytes('sign', key.secret, 'abc')],
      ['sign, missing key file', requestBytes('sign', `${WORK}/config/nowhere/signing-key.sec`, hex(randomBytes(32)))],
      ['sign, public key as secret', requestBytes('sign', key.secret.replace(/\.sec$/, '.pub'), hex(randomBytes(32)))],
      ['unknown command', requestBytes('frobnicate', 'x')],
    ];
    for (const pair of pairs) for (const [what, request] of garbage) await both(pair, what, request);
    // The same good signature written the other ways libgcrypt reads: verified; and in the
    // transport form {base64}, which it does not read (our S-expression reader does): refused.
    for (const name of ['ed25519', 'rsa2048']) {
      const sig = goodSignatures.get(name)!;
      const forms: [string, string][] = [
        ['canonical form', Buffer.from(printCanonical(parseSexp(sig))).toString('latin1')],
        ['lower-case hex', sig.replace(/#[0-9A-F]+#/g, (h) => h.toLowerCase())],
        ['s as a base64 atom', sig.replace(/\(s #([0-9A-F]+)#\)/, (_, h: string) => `(s |${Buffer.from(h, 'hex').toString('base64')}|)`)],
        ['all on one line', sig.replace(/\n\s*/g, ' ')],
      ];
      for (const pair of pairs) {
        // A NUL byte in the canonical form (binary atoms) kills the real helper (Guile refuses it
        // in a C string); ours verifies the signature, as for "café" below.
        const verdict = pair.acl === 'all' ? 0 : 500;
        for (const [what, text] of forms) await both(pair, `${name} good signature, ${what}`, verify(text), verdict);
        await both(pair, `${name} good signature, transport form {base64}`, verify(Buffer.from(printTransport(parseSexp(sig))).toString('latin1')));
      }
    }
    // Guix's base16 reader takes lower case only (the daemon sends lower case); ours takes both.
    await both(pairs[0]!, 'sign, upper-case hash', requestBytes('sign', key.secret, hex(randomBytes(32)).toUpperCase()), 0);
    // Guix's own test hash, "café" four times in Latin-1: guile-gcrypt hands back a symbol for it.
    const cafe = Buffer.from('café'.repeat(8), 'latin1');
    const pair = pairs[0]!;
    const signed = await both(pair, 'sign "café"×8', requestBytes('sign', key.secret, hex(cafe)));
    expect('reply' in signed && signed.reply.code).toBe(0);
    if ('reply' in signed) await both(pair, 'verify "café"×8', verify(signed.reply.payload.toString('latin1')), 0);
    // The canonical form without a NUL byte, which the real helper reads: signatures by keys
    // whose public key has none, until one is free of NUL too (most are within a few tries).
    let probed = false;
    for (let i = 0; i < 60 && !probed; i++) {
      const signer = keys[i % keys.length]!;
      const r = await pair.ours.request(requestBytes('sign', signer.secret, hex(randomBytes(32))));
      const canonical = 'reply' in r && r.reply.code === 0 ? Buffer.from(printCanonical(parseSexp(r.reply.payload))) : undefined;
      if (!canonical || canonical.includes(0)) continue;
      await both(pair, `${signer.name} good signature, canonical form without NUL`, verify(canonical.toString('latin1')));
      probed = true;
    }
    expect(probed, 'no signature with a NUL-free canonical form in 60 tries').toBe(true);
  });

  it('at least 500 requests; ours never died and ends cleanly', async () => {
    expect(sent).toBeGreaterThanOrEqual(500);
    for (const pair of pairs) {
      expect(pair.ours.starts, `acl-${pair.acl}: our helper was restarted`).toBe(1);
      const end = await pair.ours.end();
      expect(end?.status).toBe(0);
      expect(end?.rest.toString('latin1')).toBe('');
    }
  });
});
