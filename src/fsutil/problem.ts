// The one place a file system error becomes words: which file, what is wrong with it, what to do.
// No message shows an errno name (ENOENT, EISDIR...): the user sees the file and the problem.
// (The daemon helper keeps C's strerror texts in its replies, byte for byte: helper/strerror.ts.)
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { strerror } from '../helper/strerror.js';

/** What was being done to the file, for the message's opening words. */
export type FileAction = 'read' | 'write' | 'create' | 'open' | 'replace' | 'list' | 'remove';

/** A Node system error (it carries an errno name in `code`), as opposed to a bug or a KeytoolError. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return e instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** The nearest existing ancestor of `file` that is not a directory (why ENOTDIR was returned). */
function notADirectory(file: string): string | undefined {
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      if (!lstatSync(d).isDirectory() && !lstatSync(d).isSymbolicLink()) return d;
    } catch {
      /* missing: look further up */
    }
  }
  return undefined;
}

/** What is wrong and what to do, after the file's name: "is a directory; give a file". */
export function fileProblem(e: unknown, file: string, action: FileAction = 'read'): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return action === 'read' || action === 'open' || action === 'list' ? 'no such file or directory' : `its directory ${displayable(path.dirname(file))} does not exist`;
    case 'EISDIR':
      return 'is a directory; give a file';
    case 'ENOTDIR': {
      const blocker = notADirectory(file);
      return blocker ? `${displayable(blocker)} is a file, not a directory` : 'part of the path is not a directory';
    }
    case 'EACCES':
    case 'EPERM':
      return action === 'read' || action === 'open' || action === 'list'
        ? 'permission denied (run as a user who may read it, or change its permissions)'
        : `permission denied (run as the owner of ${displayable(path.dirname(file))}, usually root)`;
    case 'EROFS':
      return 'the file system is read-only (remount it read-write, or choose another place)';
    case 'ENOSPC':
      return 'no space left on the device (free some space and try again)';
    case 'EDQUOT':
      return 'disk quota exceeded (free some space and try again)';
    case 'ELOOP':
      return 'too many levels of symbolic links (a link loop?)';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files (close some programs and try again)';
    case 'EEXIST':
      return 'already exists';
    case 'EXDEV':
      return 'cannot be moved across file systems';
    case 'ENXIO':
    case 'ENODEV':
      return 'is a device or socket, not a file';
    default:
      return strerror(e).replace(/^./, (c) => c.toLowerCase());
  }
}

/** `cannot read FILE: WHAT IS WRONG (WHAT TO DO)`, as a KeytoolError (`what`: "the ACL", "the secret key"...). */
export function fileError(e: unknown, file: string, action: FileAction = 'read', what?: string): KeytoolError {
  return new KeytoolError(`cannot ${action} ${what ? `${what} ` : ''}${displayable(file)}: ${fileProblem(e, file, action)}`);
}

/** Rethrow a system error about `file` as a KeytoolError in words; anything else unchanged. */
export function asFileError(e: unknown, file: string, action: FileAction = 'read', what?: string): unknown {
  return isSystemError(e) ? fileError(e, file, action, what) : e;
}
