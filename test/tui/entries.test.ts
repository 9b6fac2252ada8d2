// The add-key box's validation and the editor's start-up reading, on real key files.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { readPublicKeyFile } from '../../src/acl/store.js';
import { configPaths } from '../../src/config.js';
import { KeytoolError } from '../../src/errors.js';
import { fingerprint } from '../../src/fingerprint.js';
import { printCanonical, printTransport } from '../../src/sexp/index.js';
import { loadSnapshot } from '../../src/tui/backend.js';
import { MAX_KEY_FILE, checkKeyInput, looksLikeSexp } from '../../src/tui/entries.js';
import { runEditor } from '../../src/tui/run.js';
import { EXAMPLE, cleanScratch, freshConfig, scratch } from './support.js';

afterAll(() => cleanScratch());

const unknown = () => undefined;
const p256File = path.join(EXAMPLE, 'p256/signing-key.pub');
const p256 = readPublicKeyFile(p256File);

describe('the add-key input', () => {
  it('reads a key in every S-expression form Guix reads', () => {
    const advanced = readFileSync(p256File, 'latin1');
    const canonical = Buffer.from(printCanonical(p256)).toString('latin1');
    const transport = Buffer.from(printTransport(p256)).toString('latin1');
    for (const text of [advanced, canonical, transport, `  ${advanced}  `]) {
      const r = checkKeyInput(text, '/', unknown);
      expect(r.status, text).toBe('valid');
      if (r.status === 'valid') {
        expect(r.entry.fpr).toBe(fingerprint(p256));
        expect(r.entry.origin).toEqual({ kind: 'pasted' });
        expect(r.summary).toBe(`ECDSA/NIST P-256 key ${fingerprint(p256).slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ')}`);
      }
    }
  });

  it('tells a file name from key text', () => {
    expect(looksLikeSexp('(public-key')).toBe(true);
    expect(looksLikeSexp('{KDEwOnB1Ymxp')).toBe(true);
    expect(looksLikeSexp('keys/ci.pub')).toBe(false);
    expect(looksLikeSexp('~/ci.pub')).toBe(false);
  });

  it('reads files relative to the directory given, absolute, or from ~', () => {
    const rel = checkKeyInput('p256/signing-key.pub', EXAMPLE, unknown);
    expect(rel).toMatchObject({ status: 'valid', entry: { origin: { kind: 'file', path: p256File } } });
    expect(checkKeyInput(p256File, '/', unknown).status).toBe('valid');
    const home = checkKeyInput('~/no-such-keytool-key.pub', '/', unknown);
    expect(home).toEqual({ status: 'invalid', message: `no such file: ${path.join(homedir(), 'no-such-keytool-key.pub')}` });
  });

  it('names the well-known build farms and refuses keys already in the list', () => {
    const ci = checkKeyInput(path.join(EXAMPLE, 'ci.guix.gnu.org.pub'), '/', unknown);
    expect(ci.status === 'valid' && ci.summary).toMatch(/^ECDSA\/Ed25519 key 30e7 f84d 37e9 7a13 \(ci\.guix\.gnu\.org\)$/);
    expect(checkKeyInput(p256File, '/', (f) => (f === fingerprint(p256) ? 'my box' : undefined))).toEqual({ status: 'invalid', message: 'already authorized: my box' });
  });

  it('refuses files that cannot be keys before reading them', () => {
    const dir = scratch();
    const big = path.join(dir, 'big.pub');
    writeFileSync(big, Buffer.alloc(MAX_KEY_FILE + 1, 0x20));
    expect(checkKeyInput(big, '/', unknown)).toEqual({ status: 'invalid', message: `${big} is too big for a public key (${MAX_KEY_FILE + 1} bytes)` });
    expect(checkKeyInput(dir, '/', unknown)).toEqual({ status: 'invalid', message: `${dir} is a directory` });
    expect(checkKeyInput('/dev/null', '/', unknown)).toEqual({ status: 'invalid', message: '/dev/null is not a regular file' });
  });

  it('says exactly what is wrong with text', () => {
    expect(checkKeyInput('   ', '/', unknown)).toEqual({ status: 'empty' });
    expect(checkKeyInput('(public-key (ecc (q #12', '/', unknown).status).toBe('incomplete');
    expect(checkKeyInput('(a))', '/', unknown)).toEqual({ status: 'invalid', message: "not a valid S-expression: ')' without a matching '(' at byte 3" });
    expect(checkKeyInput('(signature (data))', '/', unknown)).toEqual({ status: 'invalid', message: 's-expression does not denote a public key (it starts with "signature")' });
    const secret = checkKeyInput(path.join(EXAMPLE, 'signing-key.sec'), '/', unknown);
    expect(secret.status === 'invalid' && secret.message).toContain('this is a SECRET key');
    const eddsa = checkKeyInput('(public-key (ecc (curve Ed25519) (flags eddsa) (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#)))', '/', unknown);
    expect(eddsa.status === 'invalid' && eddsa.message).toMatch(/^keytool cannot check signatures made with this key: /);
  });
});

describe('reading the configuration at start', () => {
  it("marks this machine's key and keeps the ACL order", () => {
    const paths = freshConfig();
    const { snapshot, notes } = loadSnapshot(paths);
    expect(snapshot.doc.keys.map((e) => e.wellKnown ?? e.fpr === snapshot.localFpr)).toEqual(['bordeaux.guix.gnu.org', 'ci.guix.gnu.org', true]);
    expect(snapshot.hasKeyPair).toBe(true);
    expect(snapshot.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(notes).toEqual([]);
  });

  it('says when the ACL is a symbolic link, and into the store', () => {
    const paths = freshConfig();
    const store = path.join(scratch(), 'gnu/store/abc-acl');
    mkdirSync(path.dirname(store), { recursive: true });
    writeFileSync(store, readFileSync(paths.acl));
    rmSync(paths.acl);
    symlinkSync(store, paths.acl);
    const { notes, symlinkTarget } = loadSnapshot(paths);
    expect(symlinkTarget).toBe(store);
    expect(notes).toEqual([`${paths.acl} is a symbolic link to ${store}; saving replaces it with a regular file`]);
  });

  it('says when there is no key pair and no ACL', () => {
    const paths = configPaths(scratch());
    const { snapshot, notes } = loadSnapshot(paths);
    expect(snapshot).toMatchObject({ digest: '', hasKeyPair: false, doc: { keys: [] } });
    expect(notes).toEqual([`${paths.acl} does not exist yet: this machine accepts no substitutes`, `no signing key pair in ${paths.dir}: g generates one`]);
  });

  it('refuses, before taking the screen, an ACL Guix would refuse', async () => {
    const paths = freshConfig();
    writeFileSync(paths.acl, '(acl (entry (public-key (ecc)) (tag (guix other))))');
    const out = new PassThrough();
    let written = '';
    out.on('data', (d) => (written += d));
    const io = { stdin: new PassThrough() as never, stdout: out as never, stderr: out as never, env: {} };
    await expect(runEditor(paths, io)).rejects.toThrow(KeytoolError);
    await expect(runEditor(paths, io)).rejects.toThrow(`invalid access-control list ${paths.acl}: entry 1 is not tagged (tag (guix import))`);
    expect(written).toBe(''); // the terminal was left alone
  });
});
