// End to end through bin/keytool (build first): every key and ACL command, its output, exit
// status and files on disk; and for every bad input, the message AND that nothing changed.
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertBuilt, permissionTestsRun, unprivileged, EXAMPLE, exampleConfig, isRoot, keytool, keytoolAsync, NOBODY, scratch, snapshot } from './support/run.js';

beforeAll(() => assertBuilt());

const FPR = {
  example: 'c01876bea1dd0c52daf8505038a9b2beb4d9fbdaf774c11fe5814092db81dda6',
  rsa: '07e9b7f783dc6578e58087db55cb3cc82b4173ac1cfa102079b591658d5862f0',
  p256: '16552c5b0d9cbc2d771e81b165d25226a9633831dff11208956e14a4528a8414',
  ci: '30e7f84d37e97a135d718a205a025cba5d30c80c20721b61c675388ca4712231',
  bordeaux: '52dfa234d73f7e279b637471a148fb1404a86230e62fe08197dc062246193c24',
};
const listFprs = (dir: string): string[] => JSON.parse(keytool(['list', '--json', '--config-dir', dir]).stdout).keys.map((k: { fingerprint: string }) => k.fingerprint);

/** Runs a command that must fail: exit status, message, and no change under `dir`. */
function refuses(dir: string, args: string[], status: number, message: string | RegExp, input?: string): void {
  const before = snapshot(dir);
  const r = keytool(args, { input });
  expect(r.stderr).toMatch(typeof message === 'string' ? new RegExp(escape(message)) : message);
  expect(r.status).toBe(status);
  expect(r.stdout).toBe('');
  expect(snapshot(dir)).toEqual(before);
}
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('keytool generate', () => {
  it('writes an Ed25519 ECDSA pair as Guix does (0444/0400, advanced form, no flags) and prints its fingerprint', () => {
    const dir = path.join(scratch('gen'), 'etc/guix');
    const r = keytool(['generate', '--config-dir', dir]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Please wait while gathering entropy to generate the key pair;\nthis may take time...\n');
    const pub = readFileSync(path.join(dir, 'signing-key.pub'), 'latin1');
    const sec = readFileSync(path.join(dir, 'signing-key.sec'), 'latin1');
    expect(pub).toMatch(/^\(public-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \)\n \)\n$/);
    expect(sec).toMatch(/^\(private-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \(d #[0-9A-F]+#\)\n  \)\n \)\n$/);
    expect(statSync(path.join(dir, 'signing-key.pub')).mode & 0o777).toBe(0o444);
    expect(statSync(path.join(dir, 'signing-key.sec')).mode & 0o777).toBe(0o400);
    expect(statSync(dir).mode & 0o777).toBe(isRoot ? 0o511 : 0o711);
    expect(r.stderr).toContain(`created directory ${dir} (mode ${isRoot ? '0511' : '0711'})`);
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o755); // a missing parent: an ordinary directory
    const file = path.join(path.dirname(dir), 'plain');
    writeFileSync(file, '');
    const bad = keytool(['generate', '--config-dir', file]);
    expect(bad.stderr).toBe(`keytool: the configuration directory ${file} is a file, not a directory (see --config-dir)\n`); // before any "gathering entropy"
    const show = JSON.parse(keytool(['show', '--json', '--config-dir', dir, path.join(dir, 'signing-key.pub')]).stdout);
    expect(r.stdout).toBe(`${show.fingerprint}\n`);
    expect(show.kind).toBe('ecdsa-ed25519');
  });

  it.each([
    ['(genkey (rsa (nbits 4:1024)))', 'rsa', 'RSA-1024'],
    ['(genkey (ecdsa (curve "NIST P-256")))', 'ecdsa-p256', 'ECDSA/NIST P-256'],
    ['(genkey (ecdsa (curve "NIST P-384") (flags rfc6979)))', 'ecdsa-p384', 'ECDSA/NIST P-384'],
  ])('makes other kinds on request: %s', (params, kind, description) => {
    const dir = scratch('gen-kind');
    const r = keytool(['generate', '--config-dir', dir, '--parameters', params]);
    expect(r.stderr).toContain(`(${description})`);
    expect(r.status).toBe(0);
    const show = JSON.parse(keytool(['show', '--json', '--config-dir', dir, path.join(dir, 'signing-key.sec')]).stdout);
    expect(show).toMatchObject({ kind, algorithm: description, type: 'private', fingerprint: r.stdout.trim() });
  });

  it('refuses to replace an existing pair, even half of one, and changes nothing', () => {
    const dir = exampleConfig('gen-exists');
    refuses(dir, ['generate', '--config-dir', dir], 1, `keytool: key pair exists under '${dir}'; remove it first`);
    rmSync(path.join(dir, 'signing-key.pub'));
    refuses(dir, ['generate', '--config-dir', dir], 1, `key pair exists under '${dir}'; remove it first`);
  });

  it('treats a dangling symbolic link as absent, as Guix does (and replaces the link)', () => {
    const dir = scratch('gen-dangling');
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'signing-key.pub'));
    expect(keytool(['generate', '--config-dir', dir]).status).toBe(0);
    expect(lstatSync(path.join(dir, 'signing-key.pub')).isSymbolicLink()).toBe(false);
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('rejects bad parameters with Guix-like messages and writes nothing', () => {
    const dir = scratch('gen-bad');
    refuses(dir, ['generate', '--config-dir', dir, '--parameters', '(genkey'], 1, /^keytool: invalid key generation parameters: .*/);
    refuses(dir, ['generate', '--config-dir', dir, '--parameters', '(genkey (foo))'], 1, /\nkeytool: key generation failed: Invalid public key algorithm\n$/);
    refuses(dir, ['generate', '--config-dir', path.join(dir, 'new'), '--parameters', 'foo'], 1, /\nkeytool: key generation failed: .+\n$/);
    expect(snapshot(dir)).toEqual({});
  });

  it.runIf(isRoot)('gives the pair to the store owner when the store exists (root)', () => {
    const dir = scratch('gen-store');
    const store = scratch('store');
    chownSync(store, NOBODY, 1234);
    const r = keytool(['generate', '--config-dir', path.join(dir, 'guix')], { env: { NIX_STORE_DIR: store } });
    expect(r.status).toBe(0);
    for (const f of ['signing-key.pub', 'signing-key.sec', '.']) {
      const st = statSync(path.join(dir, 'guix', f));
      expect([st.uid, st.gid]).toEqual([NOBODY, 1234]);
    }
  });

  it.runIf(permissionTestsRun)('says permission denied when it cannot create the directory, leaving nothing behind', () => {
    const dir = scratch('gen-perm');
    chmodSync(dir, 0o555);
    const before = snapshot(dir);
    const r = keytool(['generate', '--config-dir', path.join(dir, 'guix')], unprivileged);
    chmodSync(dir, 0o755);
    expect(r.stderr).toMatch(new RegExp(`^keytool: cannot create directory ${escape(path.join(dir, 'guix'))}: permission denied \\(run as the owner of ${escape(dir)}, usually root\\)\n$`));
    expect(r.status).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('keytool authorize', () => {
  it('puts new keys first in the order given, keeps the rest, and writes mode 0644', () => {
    const dir = exampleConfig('auth');
    const r = keytool(['authorize', '--config-dir', dir, path.join(dir, 'rsa/signing-key.pub'), path.join(dir, 'p256/signing-key.pub')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`keytool: authorized ${FPR.rsa} RSA-2048\nkeytool: authorized ${FPR.p256} ECDSA/NIST P-256\n`);
    expect(listFprs(dir)).toEqual([FPR.rsa, FPR.p256, FPR.bordeaux, FPR.ci, FPR.example]);
    expect(statSync(path.join(dir, 'acl')).mode & 0o777).toBe(0o644);
  });

  it('reads standard input when given no file; re-authorizing moves the key to the front, once', () => {
    const dir = exampleConfig('auth-stdin');
    const r = keytool(['authorize', '--config-dir', dir], { input: readFileSync(path.join(EXAMPLE, 'ci.guix.gnu.org.pub')) });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('(already authorized; moved first)');
    expect(listFprs(dir)).toEqual([FPR.ci, FPR.bordeaux, FPR.example]);
  });

  it('creates a missing ACL with the local key first, as Guix does', () => {
    const dir = exampleConfig('auth-noacl', false);
    expect(keytool(['authorize', '--config-dir', dir, path.join(dir, 'ci.guix.gnu.org.pub')]).status).toBe(0);
    expect(listFprs(dir)).toEqual([FPR.ci, FPR.example]);
  });

  it('keeps a --label beside the ACL (never inside) and list shows it', () => {
    const dir = exampleConfig('auth-label');
    expect(keytool(['authorize', '--config-dir', dir, '--label', 'build box', path.join(dir, 'rsa/signing-key.pub')]).status).toBe(0);
    expect(readFileSync(path.join(dir, 'acl.labels'), 'utf8')).toContain(`${FPR.rsa} build box\n`);
    expect(readFileSync(path.join(dir, 'acl'), 'latin1')).not.toContain('build box');
    expect(keytool(['list', '--config-dir', dir]).stdout.split('\n')[0]).toBe('07e9 b7f7 83dc 6578  RSA-2048       build box');
  });

  it('replaces a symbolic link at the ACL path with a warning, leaving the target alone', () => {
    const dir = exampleConfig('auth-link');
    const target = path.join(dir, 'acl.target');
    writeFileSync(target, readFileSync(path.join(dir, 'acl')));
    rmSync(path.join(dir, 'acl'));
    symlinkSync(target, path.join(dir, 'acl'));
    const r = keytool(['authorize', '--config-dir', dir, path.join(dir, 'rsa/signing-key.pub')]);
    expect(r.stderr).toContain(`keytool: warning: replacing symbolic link ${path.join(dir, 'acl')} with a regular file\n`);
    expect(lstatSync(path.join(dir, 'acl')).isSymbolicLink()).toBe(false);
    expect(readFileSync(target)).toEqual(readFileSync(path.join(EXAMPLE, 'acl')));
  });

  it('hints at the system configuration when the replaced link pointed into the store', () => {
    const dir = exampleConfig('auth-storelink', false);
    symlinkSync('/gnu/store/00000000000000000000000000000000-acl', path.join(dir, 'acl'));
    const r = keytool(['authorize', '--config-dir', dir, path.join(dir, 'ci.guix.gnu.org.pub')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('with a regular file\nkeytool: hint: ');
    expect(r.stderr).toContain("'authorized-keys' of 'guix-service-type'");
    expect(r.stderr).toContain("'keytool acl export' prints the whole ACL as the Scheme that field takes");
    expect(listFprs(dir)).toEqual([FPR.ci, FPR.example]);
  });

  describe('refuses bad input, changing nothing', () => {
    it('a private key', () => {
      const dir = exampleConfig('auth-priv');
      const sec = path.join(dir, 'signing-key.sec');
      refuses(dir, ['authorize', '--config-dir', dir, sec], 1, `keytool: ${sec}: this is a private key; give its public key (the .pub file) instead`);
      refuses(dir, ['authorize', '--config-dir', dir], 1, 'keytool: standard input: this is a private key', readFileSync(sec, 'latin1'));
    });
    it('a private key among public ones (all or nothing)', () => {
      const dir = exampleConfig('auth-mixed');
      refuses(dir, ['authorize', '--config-dir', dir, path.join(dir, 'rsa/signing-key.pub'), path.join(dir, 'p256/signing-key.sec')], 1, 'this is a private key');
    });
    it('a missing file', () => {
      const dir = exampleConfig('auth-missing');
      refuses(dir, ['authorize', '--config-dir', dir, path.join(dir, 'nope.pub')], 1, `keytool: cannot read ${path.join(dir, 'nope.pub')}: no such file or directory\n`);
    });
    it('garbage that is not an S-expression', () => {
      const dir = exampleConfig('auth-garbage');
      refuses(dir, ['authorize', '--config-dir', dir], 1, /^keytool: standard input: failed to read public key: .+\n$/, '(public-key (ecc');
    });
    it('an S-expression that is not a public key (a bare word reads as ())', () => {
      const dir = exampleConfig('auth-notkey');
      refuses(dir, ['authorize', '--config-dir', dir], 1, 'keytool: standard input: s-expression does not denote a public key\n', 'foo\n');
      refuses(dir, ['authorize', '--config-dir', dir], 1, 's-expression does not denote a public key', '(signature (data))');
    });
    it('a public key without an algorithm', () => {
      const dir = exampleConfig('auth-noalgo');
      refuses(dir, ['authorize', '--config-dir', dir], 1, 'standard input: public key has no algorithm', '(public-key)');
    });
    it('empty input', () => {
      const dir = exampleConfig('auth-empty');
      refuses(dir, ['authorize', '--config-dir', dir], 1, 'keytool: standard input: empty, expected public key\n', '');
    });
    it('an ACL in a bad shape', () => {
      const dir = exampleConfig('auth-badacl');
      writeFileSync(path.join(dir, 'acl'), '(acl (entry (public-key (ecc (curve Ed25519) (q #01#)))))\n');
      refuses(dir, ['authorize', '--config-dir', dir, path.join(dir, 'rsa/signing-key.pub')], 1, `keytool: invalid access-control list ${path.join(dir, 'acl')}: entry 1 has 1 elements, expected a key and a tag\n`);
      writeFileSync(path.join(dir, 'acl'), '(acl (entry');
      refuses(dir, ['authorize', '--config-dir', dir, path.join(dir, 'rsa/signing-key.pub')], 1, `keytool: invalid access-control list ${path.join(dir, 'acl')}: `);
    });
    it('--label with more than one key (misuse)', () => {
      const dir = exampleConfig('auth-label2');
      refuses(dir, ['authorize', '--config-dir', dir, '--label', 'x', path.join(dir, 'rsa/signing-key.pub'), path.join(dir, 'ci.guix.gnu.org.pub')], 2, '--label names one key');
    });
    it('a missing configuration directory', () => {
      const dir = scratch('auth-nodir');
      refuses(dir, ['authorize', '--config-dir', path.join(dir, 'guix'), path.join(EXAMPLE, 'ci.guix.gnu.org.pub')], 1, `configuration directory ${path.join(dir, 'guix')} does not exist`);
    });
    it.runIf(permissionTestsRun)('wrong permissions: an ACL directory the user cannot write', () => {
      const dir = exampleConfig('auth-perm');
      if (!isRoot) chmodSync(dir, 0o555); // root's nobody cannot write the 0755 root-owned directory anyway
      try {
        const before = snapshot(dir);
        const r = keytool(['authorize', '--config-dir', dir, path.join(EXAMPLE, 'rsa/signing-key.pub')], unprivileged);
        expect(r.stderr).toBe(`keytool: cannot create lock file ${path.join(dir, 'acl.lock')}: permission denied (run as the owner of ${dir}, usually root)\n`);
        expect(r.status).toBe(1);
        expect(snapshot(dir)).toEqual(before);
      } finally {
        chmodSync(dir, 0o755);
      }
    });
    it.runIf(permissionTestsRun)('wrong permissions: an unreadable key file', () => {
      const dir = exampleConfig('auth-unreadable');
      const key = path.join(dir, 'rsa/signing-key.pub');
      chmodSync(key, isRoot ? 0o600 : 0o000); // nobody is not the (root) owner; a user is
      chmodSync(dir, 0o777);
      const before = snapshot(dir);
      const r = keytool(['authorize', '--config-dir', dir, key], unprivileged);
      expect(r.stderr).toBe(`keytool: cannot read ${key}: permission denied (run as a user who may read it, or change its permissions)\n`);
      expect(r.status).toBe(1);
      expect(snapshot(dir)).toEqual(before);
    });
  });

  it('20 parallel authorize processes on one ACL: all 20 keys are there after', async () => {
    const dir = exampleConfig('auth-parallel');
    const keys = Array.from({ length: 20 }, (_, i) => {
      const q = Buffer.alloc(32, i + 1).toString('hex').toUpperCase();
      const f = path.join(dir, `k${i}.pub`);
      writeFileSync(f, `(public-key (ecc (curve Ed25519) (q #${q}#)))`);
      return f;
    });
    const results = await Promise.all(keys.map((k) => keytoolAsync(['authorize', '--config-dir', dir, k])));
    expect(results.map((r) => r.status)).toEqual(keys.map(() => 0));
    const fprs = listFprs(dir);
    expect(fprs).toHaveLength(23);
    const shown = keys.map((k) => JSON.parse(keytool(['show', '--json', '--config-dir', dir, k]).stdout));
    for (const s of shown) {
      expect(s.authorized).toBe(true);
      expect(fprs).toContain(s.fingerprint);
    }
    expect(existsSync(path.join(dir, 'acl.lock'))).toBe(false);
  }, 120_000);
});

describe('keytool deauthorize', () => {
  it('removes keys by fingerprint prefix (grouped as list shows it, or not) and by key file', () => {
    const dir = exampleConfig('deauth');
    const r = keytool(['deauthorize', '--config-dir', dir, '52df a234', path.join(dir, 'ci.guix.gnu.org.pub')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`keytool: deauthorized ${FPR.bordeaux} ECDSA/Ed25519\nkeytool: deauthorized ${FPR.ci} ECDSA/Ed25519\n`);
    expect(listFprs(dir)).toEqual([FPR.example]);
  });

  it("refuses to remove this machine's own key without --force, and removes it with", () => {
    const dir = exampleConfig('deauth-local');
    refuses(dir, ['deauthorize', '--config-dir', dir, FPR.example.slice(0, 8)], 1, `keytool: refusing to remove this machine's own key (${path.join(dir, 'signing-key.pub')}, c018 76be a1dd 0c52) from the access-control list`);
    expect(keytool(['deauthorize', '--config-dir', dir, '--force', path.join(dir, 'signing-key.pub')]).status).toBe(0);
    expect(listFprs(dir)).toEqual([FPR.bordeaux, FPR.ci]);
  });

  it('drops the label of a removed key', () => {
    const dir = exampleConfig('deauth-label');
    keytool(['authorize', '--config-dir', dir, '--label', 'gone soon', path.join(dir, 'rsa/signing-key.pub')]);
    expect(keytool(['deauthorize', '--config-dir', dir, FPR.rsa]).status).toBe(0);
    expect(readFileSync(path.join(dir, 'acl.labels'), 'utf8')).not.toContain(FPR.rsa);
  });

  describe('refuses bad input, changing nothing', () => {
    it('an unknown fingerprint', () => {
      const dir = exampleConfig('deauth-unknown');
      refuses(dir, ['deauthorize', '--config-dir', dir, 'abcdef'], 1, 'keytool: no key in the access-control list has a fingerprint starting with abcdef\n');
    });
    it('one unknown among known ones (all or nothing)', () => {
      const dir = exampleConfig('deauth-partial');
      refuses(dir, ['deauthorize', '--config-dir', dir, FPR.ci, 'abcdef'], 1, 'starting with abcdef');
    });
    it('a key file whose key is not authorized', () => {
      const dir = exampleConfig('deauth-notin');
      const f = path.join(dir, 'rsa/signing-key.pub');
      refuses(dir, ['deauthorize', '--config-dir', dir, f], 1, `keytool: ${f}: key 07e9 b7f7 83dc 6578 is not in the access-control list\n`);
    });
    it('a private key file', () => {
      const dir = exampleConfig('deauth-priv');
      refuses(dir, ['deauthorize', '--config-dir', dir, '--force', path.join(dir, 'signing-key.sec')], 1, 'this is a private key');
    });
    it('a prefix that is too short, or an argument that is neither file nor hex (misuse / missing file)', () => {
      const dir = exampleConfig('deauth-short');
      refuses(dir, ['deauthorize', '--config-dir', dir, 'c0'], 2, "fingerprint prefix 'c0' is too short");
      refuses(dir, ['deauthorize', '--config-dir', dir, 'missing.pub'], 1, 'keytool: cannot read missing.pub: no such file or directory (give a public key file or a fingerprint)\n');
      refuses(dir, ['deauthorize', '--config-dir', dir, 'zzzz'], 1, 'keytool: zzzz: no such file, and not a fingerprint (hex digits)\n');
      refuses(dir, ['deauthorize', '--config-dir', dir, dir], 1, `keytool: ${dir} is a directory; give a public key file or a fingerprint\n`);
    });
    it('no argument at all (misuse)', () => {
      const dir = exampleConfig('deauth-none');
      refuses(dir, ['deauthorize', '--config-dir', dir], 2, /.+/);
    });
    it('an ACL in a bad shape', () => {
      const dir = exampleConfig('deauth-badacl');
      writeFileSync(path.join(dir, 'acl'), '(not-an-acl)\n');
      refuses(dir, ['deauthorize', '--config-dir', dir, FPR.ci], 1, 'it does not start with (acl ...)');
    });
  });
});

describe('keytool list', () => {
  it('shows fingerprint, algorithm and well-known or local labels, in ACL order', () => {
    const dir = exampleConfig('list');
    const r = keytool(['list', '--config-dir', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      '52df a234 d73f 7e27  ECDSA/Ed25519  bordeaux.guix.gnu.org\n' +
        '30e7 f84d 37e9 7a13  ECDSA/Ed25519  ci.guix.gnu.org\n' +
        'c018 76be a1dd 0c52  ECDSA/Ed25519  this machine\n',
    );
    expect(r.stderr).toBe('');
  });

  it('prints JSON with stable keys', () => {
    const dir = exampleConfig('list-json');
    const j = JSON.parse(keytool(['list', '--json', '--config-dir', dir]).stdout);
    expect(Object.keys(j)).toEqual(['acl', 'exists', 'keys']);
    expect(Object.keys(j.keys[0])).toEqual(['fingerprint', 'kind', 'algorithm', 'label', 'local', 'usable', 'publicKey']);
    expect(j.keys[1]).toMatchObject({ fingerprint: FPR.ci, kind: 'ecdsa-ed25519', algorithm: 'ECDSA/Ed25519', label: 'ci.guix.gnu.org', local: false, usable: true });
    expect(j.keys[1].publicKey).toBe(readFileSync(path.join(EXAMPLE, 'ci.guix.gnu.org.pub'), 'latin1'));
  });

  it('without an ACL file lists what Guix would create (the local key) and creates nothing', () => {
    const dir = exampleConfig('list-noacl', false);
    const before = snapshot(dir);
    const r = keytool(['list', '--config-dir', dir]);
    expect(r.stdout).toBe('c018 76be a1dd 0c52  ECDSA/Ed25519  this machine\n');
    expect(r.stderr).toContain('does not exist yet');
    expect(snapshot(dir)).toEqual(before);
  });

  it('marks keys keytool cannot use, such as EdDSA-flagged ones', () => {
    const dir = exampleConfig('list-eddsa');
    writeFileSync(path.join(dir, 'ed.pub'), '(public-key (ecc (curve Ed25519) (flags eddsa) (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#)))');
    const a = keytool(['authorize', '--config-dir', dir, path.join(dir, 'ed.pub')]);
    expect(a.status).toBe(0);
    expect(a.stderr).toContain('keytool: warning: ');
    expect(keytool(['list', '--config-dir', dir]).stdout.split('\n')[0]).toMatch(/\(unusable\)/);
  });

  it('fails when the configuration directory does not exist', () => {
    const dir = scratch('list-nodir');
    refuses(dir, ['list', '--config-dir', path.join(dir, 'guix')], 1, `keytool: configuration directory ${path.join(dir, 'guix')} does not exist`);
  });

  it('fails on an ACL in a bad shape, naming it', () => {
    const dir = exampleConfig('list-bad');
    writeFileSync(path.join(dir, 'acl'), '(acl (entry (public-key (ecc)) (tag (guix export))))');
    refuses(dir, ['list', '--config-dir', dir], 1, 'entry 1 is not tagged (tag (guix import))');
  });
});

describe('keytool show', () => {
  it('shows a public key: algorithm, fingerprint, authorized', () => {
    const dir = exampleConfig('show');
    const r = keytool(['show', '--config-dir', dir, path.join(dir, 'p256/signing-key.pub')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `file:        ${path.join(dir, 'p256/signing-key.pub')}\n` +
        'type:        public key\n' +
        'algorithm:   ECDSA/NIST P-256\n' +
        `fingerprint: ${FPR.p256}\n` +
        `authorized:  no (${path.join(dir, 'acl')})\n`,
    );
  });

  it('gives a private key the fingerprint of its public half', () => {
    const dir = exampleConfig('show-priv');
    for (const kind of ['', 'rsa/', 'p256/']) {
      const pub = JSON.parse(keytool(['show', '--json', '--config-dir', dir, path.join(dir, `${kind}signing-key.pub`)]).stdout);
      const sec = JSON.parse(keytool(['show', '--json', '--config-dir', dir, path.join(dir, `${kind}signing-key.sec`)]).stdout);
      expect(sec.fingerprint).toBe(pub.fingerprint);
      expect(sec.type).toBe('private');
    }
  });

  it('refuses garbage and missing files', () => {
    const dir = exampleConfig('show-bad');
    refuses(dir, ['show', '--config-dir', dir, '-'], 1, /^keytool: standard input: failed to read key: /, '(((');
    refuses(dir, ['show', '--config-dir', dir, path.join(dir, 'none')], 1, 'no such file');
    refuses(dir, ['show', '--config-dir', dir, '-'], 1, 'neither a public nor a private key', '(acl)');
  });
});

describe('keytool sign and verify', () => {
  const HASH = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';

  it('sign prints a Guix signature text; verify prints its hash against the ACL', () => {
    const dir = exampleConfig('sign');
    const s = keytool(['sign', '--key', path.join(dir, 'signing-key.sec'), HASH]);
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/^\(signature \n \(data \n  \(flags rfc6979\)\n  \(hash sha256 #2CF24DBA[0-9A-F]+#\)\n  \)\n \(sig-val \n  \(ecdsa \n/);
    expect(s.stdout.endsWith(' )\n')).toBe(true);
    const v = keytool(['verify', '--config-dir', dir], { input: s.out });
    expect(v).toMatchObject({ status: 0, stdout: `${HASH}\n`, stderr: '' });
  });

  it('sign --file signs the SHA-256 of the file', () => {
    const dir = exampleConfig('sign-file');
    writeFileSync(path.join(dir, 'data'), 'hello');
    const s = keytool(['sign', '--key', path.join(dir, 'rsa/signing-key.sec'), '--file', path.join(dir, 'data')]);
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('(flags pkcs1)');
    writeFileSync(path.join(dir, 'sig'), s.out);
    expect(keytool(['verify', '--no-acl', '--config-dir', dir, path.join(dir, 'sig')]).stdout).toBe(`${HASH}\n`);
  });

  it('verify: an unauthorized key fails with exit 1 unless --no-acl', () => {
    const dir = exampleConfig('verify-unauth');
    const s = keytool(['sign', '--key', path.join(dir, 'p256/signing-key.sec'), HASH]);
    const v = keytool(['verify', '--config-dir', dir], { input: s.out });
    expect(v.stderr).toBe(`keytool: standard input: unauthorized public key ${FPR.p256} (not in the access-control list)\n`);
    expect(v.status).toBe(1);
    expect(v.stdout).toBe('');
    expect(keytool(['verify', '--config-dir', dir, '--no-acl'], { input: s.out }).stdout).toBe(`${HASH}\n`);
  });

  it('verify: a tampered hash is an invalid signature; garbage is corrupt', () => {
    const dir = exampleConfig('verify-bad');
    const s = keytool(['sign', '--key', path.join(dir, 'signing-key.sec'), HASH]).stdout;
    const tampered = s.replace('#2CF24DBA', '#2CF24DBB');
    const v = keytool(['verify', '--config-dir', dir], { input: tampered });
    expect(v.stderr).toMatch(/^keytool: standard input: invalid signature/);
    expect(v.status).toBe(1);
    const c = keytool(['verify', '--config-dir', dir], { input: '(signature (sig-val))' });
    expect(c.stderr).toMatch(/^keytool: standard input: corrupt signature data/);
    expect(c.status).toBe(1);
    const g = keytool(['verify', '--config-dir', dir], { input: '(signature' });
    expect(g.stderr).toMatch(/^keytool: standard input: corrupt signature data: /);
    expect(g.status).toBe(1);
  });

  describe('sign refuses misuse and bad keys', () => {
    it('a hash that is not 64 hex digits, or both/neither of HASH and --file (exit 2)', () => {
      const dir = exampleConfig('sign-misuse');
      const key = path.join(dir, 'signing-key.sec');
      refuses(dir, ['sign', '--key', key, 'zz'], 2, "keytool: hash 'zz' is not hexadecimal\n");
      refuses(dir, ['sign', '--key', key, 'abcd'], 2, 'keytool: hash has 4 hex digits; a SHA-256 hash has 64\n');
      refuses(dir, ['sign', '--key', key], 2, 'keytool: give either a HASH or --file FILE\n');
      refuses(dir, ['sign', '--key', key, HASH, '--file', key], 2, 'give either a HASH or --file FILE');
      refuses(dir, ['sign', HASH], 2, /--key/);
    });
    it('a missing key file, or a public key given as the secret one', () => {
      const dir = exampleConfig('sign-badkey');
      refuses(dir, ['sign', '--key', path.join(dir, 'none.sec'), HASH], 1, /^keytool: .+\n$/);
      rmSync(path.join(dir, 'rsa/signing-key.pub'));
      refuses(dir, ['sign', '--key', path.join(dir, 'rsa/signing-key.sec'), HASH], 1, /^keytool: .+\n$/);
    });
  });
});
