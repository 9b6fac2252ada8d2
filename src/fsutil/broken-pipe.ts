// A reader that goes away before the end (`keytool sign --help | head -c 10`, `nar pack | head`):
// the program ends quietly, as git and coreutils do when SIGPIPE kills them, never with node's
// stack trace for an unhandled EPIPE. Node ignores SIGPIPE, so the status is set by hand. Loaded
// by the CLI and by the helper, so it imports nothing.

/** 128 + SIGPIPE (13): what a shell reports for a program killed by a closed pipe. */
export const BROKEN_PIPE_STATUS = 141;

export function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** On a write to `stream` after its reader closed, exit at once with BROKEN_PIPE_STATUS, saying
 *  nothing (where would it go?). Other stream errors stay unhandled, as before. */
export function exitQuietlyOnBrokenPipe(...streams: NodeJS.WritableStream[]): void {
  for (const stream of streams) {
    stream.on('error', (e: unknown) => {
      if (isBrokenPipe(e)) process.exit(BROKEN_PIPE_STATUS);
      throw e;
    });
  }
}
