// The editor's only contact with the disk: reading the ACL, labels and local key into a Snapshot,
// saving a document under the ACL lock, generating a key pair. The screens get this as a prop,
// so tests can point it at a temporary directory or replace a part of it.
import { existsSync, readlinkSync } from 'node:fs';
import type { ConfigPaths } from '../config.js';
import { loadAcl, readPublicKeyFile, updateAcl, withAclLock } from '../acl/store.js';
import { loadLabels, updateLabels } from '../acl/labels.js';
import { generateKeyFiles } from '../keys/generate.js';
import type { SexpList } from '../sexp/model.js';
import { makeEntry } from './entries.js';
import { changesBetween, type Doc, type KeyEntry, type Snapshot } from './state.js';

export interface Loaded {
  snapshot: Snapshot;
  /** Things to tell the user at start (no ACL yet, the ACL is a symbolic link, ...). */
  notes: string[];
  /** The ACL path is a symbolic link (saving replaces it with a regular file). */
  symlinkTarget?: string;
}

export interface SaveResult {
  digest: string;
  /** Set when the ACL was written but the labels file could not be. */
  labelsError?: string;
}

export interface EditorBackend {
  readonly paths: ConfigPaths;
  /** Directory relative file names typed in the add-key box are resolved against. */
  readonly cwd: string;
  load(): Loaded;
  /**
   * Write `doc` (its changes relative to `base`) if the ACL's digest is still `expectDigest`;
   * throws AclConflictError when it is not, KeytoolError for any other failure.
   */
  save(base: Doc, doc: Doc, expectDigest: string): SaveResult;
  /** Generate this machine's key pair as `keytool generate` does (same module, same rules). */
  generate?: () => KeyEntry;
}

/** The real backend, on the files of a configuration directory. */
export function fileBackend(paths: ConfigPaths, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): EditorBackend {
  return {
    paths,
    cwd,
    load: () => loadSnapshot(paths),
    save: (base, doc, expectDigest) => saveDoc(paths, base, doc, expectDigest),
    generate: () => makeEntry(generateKeyFiles(paths, undefined, undefined, env).publicKey, { kind: 'generated', path: paths.publicKey }),
  };
}

export function loadSnapshot(paths: ConfigPaths): Loaded {
  const notes: string[] = [];
  // Reading must not write: Guix creates a missing ACL on first use, the editor only on save.
  const acl = loadAcl(paths, { create: false });
  let local: SexpList | undefined;
  if (existsSync(paths.publicKey)) {
    try {
      local = readPublicKeyFile(paths.publicKey);
    } catch (e) {
      notes.push(`cannot read this machine's public key: ${(e as Error).message}`);
    }
  }
  const hasKeyPair = existsSync(paths.publicKey) && existsSync(paths.secretKey);
  let keys = acl.keys;
  if (!acl.exists) {
    if (local) {
      keys = [local];
      notes.push(`${paths.acl} does not exist yet; shown as Guix will create it, with this machine's key`);
    } else {
      notes.push(`${paths.acl} does not exist yet: this machine accepts no substitutes`);
    }
  }
  if (!hasKeyPair) notes.push(`no signing key pair in ${paths.dir}: g generates one`);
  let symlinkTarget: string | undefined;
  if (acl.isSymlink) {
    try {
      symlinkTarget = readlinkSync(paths.acl);
    } catch {
      symlinkTarget = '?';
    }
    notes.push(
      `${paths.acl} is a symbolic link to ${symlinkTarget}; saving replaces it with a regular file` +
        (symlinkTarget.startsWith('/gnu/store/') ? ' (on Guix System, list keys in authorized-keys of guix-service-type instead: keytool acl export prints them in that form)' : ''),
    );
  }
  const labels = Object.fromEntries(loadLabels(paths));
  const snapshot: Snapshot = {
    doc: { keys: keys.map((k) => makeEntry(k, { kind: 'acl' })), labels },
    digest: acl.digest,
    hasKeyPair,
  };
  if (local) snapshot.localFpr = makeEntry(local, { kind: 'acl' }).fpr;
  const loaded: Loaded = { snapshot, notes };
  if (symlinkTarget !== undefined) loaded.symlinkTarget = symlinkTarget;
  return loaded;
}

export function saveDoc(paths: ConfigPaths, base: Doc, doc: Doc, expectDigest: string): SaveResult {
  const c = changesBetween(base, doc);
  const keysChanged = c.added.length > 0 || c.removed.length > 0 || c.reordered;
  // One lock hold for both files, so no other writer slips in between (the lock is re-entrant).
  return withAclLock(paths, () => {
    let digest = expectDigest;
    if (keysChanged) {
      digest = updateAcl(paths, () => doc.keys.map((e) => e.key), { expectDigest }).digest;
    }
    if (c.labels.length === 0) return { digest };
    try {
      // Only the labels the user changed: others' edits to the labels file survive.
      updateLabels(paths, (map) => {
        for (const l of c.labels) {
          if (l.to === undefined) map.delete(l.fpr);
          else map.set(l.fpr, l.to);
        }
      });
    } catch (e) {
      if (!keysChanged) throw e;
      return { digest, labelsError: (e as Error).message };
    }
    return { digest };
  });
}
