// The ACL as Scheme for Guix System's `guix-configuration`: its `authorized-keys` field takes a
// list of file-like objects, each holding one public key, which the system build reads with
// string->canonical-sexp and turns into /etc/guix/acl (in list order) at every reconfigure.
// Writing the keys there is how what was decided with keytool survives a reconfiguration.
import { displayable } from '../display.js';
import { writeString } from '../git/scheme.js';

export interface ExportedKey {
  /** The key in libgcrypt's advanced form. */
  text: string;
  /** Full fingerprint (hex). */
  fingerprint: string;
  label?: string;
}

/** A store file name for a key: what store paths allow, never starting with a dot. */
function storeName(label: string | undefined, fingerprint: string): string {
  const base = (label ?? '').normalize('NFKD').replace(/[^A-Za-z0-9+._?=-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return base ? `${base}.pub` : `key-${fingerprint.slice(0, 16)}.pub`;
}

export function aclToScheme(keys: ExportedKey[], acl: string): string {
  const used = new Set<string>();
  const items = keys.map((k) => {
    let name = storeName(k.label, k.fingerprint);
    if (used.has(name)) name = name.replace(/\.pub$/, `-${k.fingerprint.slice(0, 16)}.pub`);
    used.add(name);
    const comment = ` ;; ${k.label !== undefined ? `${displayable(k.label)} — ` : ''}fingerprint ${k.fingerprint}\n`;
    return `${comment} (plain-file ${writeString(name)}\n             ${writeString(k.text)})`;
  });
  const header = [
    `;; The keys of ${displayable(acl)}, exported by keytool for the authorized-keys field of`,
    ';; guix-configuration, which Guix System turns into that file at every reconfigure.',
    ';; In the operating-system declaration (with (use-modules (gnu))):',
    ';;',
    ';;   (services',
    ';;    (modify-services %base-services',
    ';;      (guix-service-type config =>',
    ';;                         (guix-configuration',
    ';;                          (inherit config)',
    ';;                          (authorized-keys THIS-LIST)))))',
    ';;',
    ';; The list replaces %default-authorized-guix-keys: every key to keep is in it.',
  ].join('\n');
  return `${header}\n${items.length ? `(list\n${items.join('\n')})` : "'()"}\n`;
}
