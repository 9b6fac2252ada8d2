// The keys archive and narinfo checks trust: `--acl FILE`, else the ACL of the configuration
// directory with Guix's rule for a missing ACL (it holds the local signing-key.pub). Read-only:
// unlike Guix's current-acl we do not create the file, a check should not write to /etc/guix.
import { existsSync, readFileSync } from 'node:fs';
import type { ConfigPaths } from '../../config.js';
import { fileError } from '../../fsutil/problem.js';
import { loadAcl, parseAclBytes, readPublicKeyFile } from '../../acl/store.js';
import { labelFor, loadLabels, wellKnownLabel } from '../../acl/labels.js';
import type { SexpList } from '../../sexp/model.js';

export interface TrustedKeys {
  keys: SexpList[];
  source: string;
  label(fpr: string): string | undefined;
}

export function trustedKeys(paths: ConfigPaths, aclFile?: string): TrustedKeys {
  let labels: Map<string, string> = new Map();
  try {
    labels = loadLabels(paths);
  } catch {
    /* labels are a nicety; an unreadable labels file must not stop a check */
  }
  const label = (fpr: string): string | undefined => labelFor(labels, fpr) ?? wellKnownLabel(fpr);
  if (aclFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(aclFile);
    } catch (e) {
      throw fileError(e, aclFile, 'read', 'the access-control list');
    }
    return { keys: parseAclBytes(bytes, aclFile), source: aclFile, label };
  }
  const snap = loadAcl(paths, { create: false });
  if (snap.exists) return { keys: snap.keys, source: paths.acl, label };
  if (existsSync(paths.publicKey)) return { keys: [readPublicKeyFile(paths.publicKey)], source: `${paths.publicKey} (no ACL file: Guix would create it with this key)`, label };
  return { keys: [], source: `${paths.acl} (missing: no key is authorized)`, label };
}
