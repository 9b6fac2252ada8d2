// Atomic file replacement: write a temporary file in the target's directory, flush it to disk,
// then rename it over the target. Readers see the old file or the new one, never a mix; on any
// error the temporary file is removed and the target is untouched. A symbolic link at the target
// is replaced, not followed (as Guix does).
// noble's randomBytes (crypto.getRandomValues at the call), not node:crypto's: that module costs a
// sixth of a bare node start to load, paid by every command that might write (keytool list too).
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, fchmodSync, constants } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Final mode of the file (default 0o644). */
  mode?: number;
  /** Called with the open temporary file before rename (e.g. to chown it). */
  beforeRename?: (fd: number, tempPath: string) => void;
}

export function writeFileAtomic(target: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${bytesToHex(randomBytes(6))}.tmp`);
  // O_EXCL: never reuse or follow someone else's file; 0600 until the content is complete.
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  let renamed = false;
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fchmodSync(fd, mode);
    options.beforeRename?.(fd, temp);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      try { closeSync(fd); } catch { /* already closed */ }
      try { unlinkSync(temp); } catch { /* never created or already gone */ }
    }
  }
}
