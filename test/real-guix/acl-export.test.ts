// `keytool acl export`: the ACL as the Scheme list guix-configuration's `authorized-keys` takes,
// evaluated by the real Guix the way Guix System builds /etc/guix/acl from that field
// (substitute-key-authorization in gnu/services/base.scm): each file-like object lowered to the
// store, each file read with read-string and string->canonical-sexp, then write-acl of
// public-keys->acl over them, in list order. That ACL must be ours, byte for byte and key for key.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, freshStore, makeConfigDir, startDaemon, WORK, writeInRoot, type ConfigDir, type Daemon } from './support/daemon.js';
import { keytoolArgv, mustRun, onHost } from './support/root.js';
import { Tally } from './support/tally.js';

const tally = new Tally('acl-export');
let daemon: Daemon;
let config: ConfigDir;

beforeAll(async () => {
  await freshStore('root');
  config = await makeConfigDir('acl-export', { keys: 'guix' });
  daemon = await startDaemon({ name: 'acl-export', config, helper: 'real' });
});

afterAll(async () => {
  tally.report();
  await daemon?.stop();
});

/** Guix System's construction of the ACL from `authorized-keys`, over the list in `exported`. */
const GUIX_SYSTEM_ACL = (exported: string, out: string) => `(use-modules (guix gexp) (guix store) (guix monads) (guix pki) (gcrypt pk-crypto) (ice-9 rdelim) (srfi srfi-1))
;; The configuration's field: the exported expression, evaluated as a system configuration would.
(define authorized-keys (eval (call-with-input-file "${exported}" read) (current-module)))
(unless (every file-like? authorized-keys) (error "not a list of file-like objects" authorized-keys))
;; What the system build receives: the store files the objects lower to.
(define files (with-store s (run-with-store s (mapm %store-monad lower-object authorized-keys))))
;; As substitute-key-authorization's computed "acl" file does with them.
(define keys (map (lambda (file) (call-with-input-file file (compose string->canonical-sexp read-string))) files))
(call-with-output-file "${out}" (lambda (port) (write-acl (public-keys->acl keys) port)))
;; Key for key: each key of that ACL, then each of the configuration directory's ACL (read as current-acl reads it).
(define (read-acl port) (canonical-sexp->sexp (string->canonical-sexp (read-string port))))
(define (show-keys acl) (for-each (lambda (k) (display (canonical-sexp->string k)) (display "\\f")) (acl->public-keys acl)))
(show-keys (call-with-input-file "${out}" read-acl))
(display "\\n--\\n")
(show-keys (call-with-input-file "${config.dir}/acl" read-acl))
`;

describe('keytool acl export, built into an ACL by the real Guix as Guix System does', () => {
  it('gives the configuration directory\'s ACL, byte for byte and key for key', async () => {
    const env = { GUIX_CONFIGURATION_DIRECTORY: config.dir };
    // A key authorized by real Guix (which writes the ACL first), then keys of ours with labels:
    // RSA, NIST P-256, a label that is no store file name, and two keys with one label.
    const farm = await makeConfigDir('acl-export-farm', { keys: 'guix' });
    await authorize(config, [farm]);
    const ours: [label: string, parameters?: string][] = [
      ['rsa builder', '(genkey (rsa (nbits 4:2048)))'],
      ['P-256 "build farm" — café ✓', '(genkey (ecdsa (curve "NIST P-256")))'],
      ['.hidden/../name'],
      ['twin'],
      ['twin'],
    ];
    for (const [i, [label, parameters]] of ours.entries()) {
      const key = await makeConfigDir(`acl-export-${i}`, { keys: 'keytool', parameters });
      await mustRun(keytoolArgv('authorize', '--label', label, `${key.dir}/signing-key.pub`), { env });
    }
    const exported = `${WORK}/acl-export/authorized-keys.scm`;
    writeInRoot(exported, (await mustRun(keytoolArgv('acl', 'export', '--config-dir', config.dir))).stdout);
    const out = `${WORK}/acl-export/acl-by-guix-system`;
    const script = `${WORK}/acl-export/build-acl.scm`;
    writeInRoot(script, GUIX_SYSTEM_ACL(exported, out));
    const built = await daemon.guix(['repl', '--', script]);
    expect(built.status, `guix repl:\n${built.stderr}`).toBe(0);

    const [theirs, mine] = built.stdout.toString().split('\n--\n').map((s) => s.split('\f').filter((k) => k.trim()));
    // The machine's own key (Guix starts the ACL with it), the farm's, then ours.
    expect(mine, 'the ACL holds the keys authorized by real Guix and by keytool').toHaveLength(2 + ours.length);
    expect(theirs).toHaveLength(mine!.length);
    mine!.forEach((key, i) => tally.compare(`key ${i + 1}`, key, theirs![i] ?? '(missing)'));
    expect(theirs).toEqual(mine);
    const acl = readFileSync(onHost(`${config.dir}/acl`));
    tally.compare('acl file', acl, readFileSync(onHost(out)));
    expect(readFileSync(onHost(out)).toString(), 'the ACL Guix System would write, against ours').toBe(acl.toString());
  });
});
