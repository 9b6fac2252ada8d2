// How a command's failure reaches the person who ran it, for the CLI (main.ts) and its quick path
// (quick.ts) alike: a KeytoolError as its own words and exit status, a file error in words (never
// an errno name), anything else as an internal error; a closed standard output quietly. No
// clipanion here: its usage errors are main.ts's.
import { KeytoolError } from '../errors.js';
import { BROKEN_PIPE_STATUS, isBrokenPipe } from '../fsutil/broken-pipe.js';
import { fileError, isSystemError, type FileAction } from '../fsutil/problem.js';

/** What a failed system call was doing to its file, for the last-resort message. */
const SYSCALL_ACTION: Record<string, FileAction> = {
  open: 'open', read: 'read', stat: 'read', lstat: 'read', scandir: 'list', opendir: 'list',
  write: 'write', rename: 'replace', mkdir: 'create', link: 'create', symlink: 'create', unlink: 'remove', rmdir: 'remove',
};

/** Says what went wrong through `err`; returns the exit status. */
export function reportFailure(error: unknown, err: (text: string) => void, env: NodeJS.ProcessEnv): number {
  // Standard output's reader went away: nothing to say, and no one to say it to.
  if (isBrokenPipe(error)) return BROKEN_PIPE_STATUS;
  if (error instanceof KeytoolError) {
    err(`keytool: ${error.message}\n`);
    return error.exitCode;
  }
  if (isSystemError(error) && error.path) {
    // A file error no command put into words: still words, never an errno name.
    err(`keytool: ${fileError(error, error.path, SYSCALL_ACTION[error.syscall ?? ''] ?? 'open').message}\n`);
    if (env.KEYTOOL_DEBUG) err(`${error.stack ?? ''}\n`);
    return 1;
  }
  const e = error as Error;
  err(`keytool: internal error: ${e?.message ?? String(error)}\n`);
  if (env.KEYTOOL_DEBUG) err(`${e?.stack ?? ''}\n`);
  return 1;
}
