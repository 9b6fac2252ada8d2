// `keytool authorize` and `keytool deauthorize`: ACL changes on top of updateAcl (lock, re-read,
// atomic write). Authorize follows `guix archive --authorize`; deauthorize is what Guix lacks.
import { existsSync, statSync } from 'node:fs';
import type { ConfigPaths } from '../config.js';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { fingerprint, shortFingerprint } from '../fingerprint.js';
import type { SexpList } from '../sexp/model.js';
import { authorizeKeys, isAuthorized } from './acl.js';
import { loadLabels, saveLabels, updateLabels } from './labels.js';
import { parsePublicKey, readInputFile } from '../keys/read.js';
import { readPublicKeyFile, updateAcl, withAclLock, type AclSnapshot } from './store.js';

export interface AclChangeHooks {
  /** A symbolic link at the ACL path is about to be replaced by a regular file. */
  onReplaceSymlink?: (linkTarget: string) => void;
}

/** Authorize `keys` (new first, in order, de-duplicated); `label` names the single key given. */
export function authorize(paths: ConfigPaths, keys: SexpList[], options: AclChangeHooks & { label?: string } = {}): { snapshot: AclSnapshot; alreadyPresent: boolean[] } {
  if (options.label !== undefined && keys.length !== 1) throw new KeytoolError('--label names one key; give exactly one key with it', 2);
  return withAclLock(paths, () => {
    let alreadyPresent: boolean[] = [];
    const snapshot = updateAcl(
      paths,
      (existing) => {
        alreadyPresent = keys.map((k) => isAuthorized(existing, k));
        return authorizeKeys(existing, keys);
      },
      { onReplaceSymlink: options.onReplaceSymlink },
    );
    const label = options.label;
    if (label !== undefined) updateLabels(paths, (labels) => labels.set(fingerprint(keys[0]!), label));
    return { snapshot, alreadyPresent };
  });
}

/** How a deauthorize argument names keys: a key file, or a fingerprint (prefix). */
export type KeySelector = { kind: 'file'; name: string; key: SexpList } | { kind: 'fingerprint'; name: string; prefix: string };

const HEX_PREFIX = /^[0-9a-f]+$/;

/** Read one deauthorize argument: an existing file is a key file, hex digits a fingerprint. */
export function parseSelector(arg: string): KeySelector {
  const shown = displayable(arg);
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new KeytoolError(`${shown} is a directory; give a public key file or a fingerprint`);
    return { kind: 'file', name: arg, key: parsePublicKey(readInputFile(arg)) };
  }
  // A name with a slash or an extension is a file that is not there, not a mistyped fingerprint.
  if (/[/.]/.test(arg)) throw new KeytoolError(`cannot read ${shown}: no such file or directory (give a public key file or a fingerprint)`);
  const hex = arg.replace(/[\s:]/g, '').toLowerCase();
  if (hex && HEX_PREFIX.test(hex)) {
    if (hex.length < 4) throw new KeytoolError(`fingerprint prefix '${arg}' is too short: give at least 4 hex digits`, 2);
    if (hex.length > 64) throw new KeytoolError(`'${arg}' is longer than a fingerprint (64 hex digits)`, 2);
    return { kind: 'fingerprint', name: arg, prefix: hex };
  }
  throw new KeytoolError(`${shown}: no such file, and not a fingerprint (hex digits)`);
}

/** The ACL keys each selector names; every selector must name exactly one key. */
export function selectKeys(keys: readonly SexpList[], selectors: readonly KeySelector[]): SexpList[] {
  const fprs = keys.map((k) => fingerprint(k));
  const chosen = new Set<number>();
  for (const sel of selectors) {
    if (sel.kind === 'file') {
      const i = keys.findIndex((k) => isAuthorized([k], sel.key));
      if (i < 0) throw new KeytoolError(`${sel.name}: key ${shortFingerprint(fingerprint(sel.key))} is not in the access-control list`);
      chosen.add(i);
    } else {
      const hits = fprs.flatMap((f, i) => (f.startsWith(sel.prefix) ? [i] : []));
      if (hits.length === 0) throw new KeytoolError(`no key in the access-control list has a fingerprint starting with ${sel.prefix}`);
      if (hits.length > 1) {
        throw new KeytoolError(`fingerprint prefix ${sel.prefix} matches ${hits.length} keys (${hits.map((i) => shortFingerprint(fprs[i]!)).join(', ')}); give more digits`);
      }
      chosen.add(hits[0]!);
    }
  }
  return [...chosen].sort((a, b) => a - b).map((i) => keys[i]!);
}

/**
 * Remove the keys the selectors name, all or none. Refuses to remove this machine's own key
 * (signing-key.pub) unless `force`: without it in the ACL, the machine rejects archives it signed.
 */
export function deauthorize(
  paths: ConfigPaths,
  selectors: readonly KeySelector[],
  options: AclChangeHooks & { force?: boolean } = {},
): { snapshot: AclSnapshot; removed: SexpList[] } {
  return withAclLock(paths, () => {
    let removed: SexpList[] = [];
    const snapshot = updateAcl(
      paths,
      (existing) => {
        removed = selectKeys(existing, selectors);
        if (!options.force && existsSync(paths.publicKey)) {
          const local = readPublicKeyFile(paths.publicKey);
          if (isAuthorized(removed, local)) {
            throw new KeytoolError(
              `refusing to remove this machine's own key (${paths.publicKey}, ${shortFingerprint(fingerprint(local))}) from the access-control list: ` +
                'the machine would then reject archives it signed itself; use --force to remove it anyway',
            );
          }
        }
        return existing.filter((k) => !isAuthorized(removed, k));
      },
      { onReplaceSymlink: options.onReplaceSymlink },
    );
    // Labels of keys no longer authorized go too.
    const labels = loadLabels(paths);
    let changed = false;
    for (const k of removed) changed = labels.delete(fingerprint(k)) || changed;
    if (changed) saveLabels(paths, labels);
    return { snapshot, removed };
  });
}
