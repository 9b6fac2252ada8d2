// C's strerror() text for a Node system error: the real helper quotes strerror in its
// "failed to load key pair" reply, and Node only offers libuv's lower-case variants.
const GLIBC: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ETXTBSY: 'Text file busy',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EOVERFLOW: 'Value too large for defined data type',
  ESTALE: 'Stale file handle',
  EINTR: 'Interrupted system call',
};

export function strerror(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && GLIBC[err.code]) return GLIBC[err.code]!;
  // libuv's text after "CODE: ", capitalised as C's usually is.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err?.message ?? '');
  const text = m ? m[1]! : String(err?.message ?? e);
  return text.charAt(0).toUpperCase() + text.slice(1);
}
