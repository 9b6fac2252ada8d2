// Writing to a file descriptor without building node's stream for it (process.stdout costs a
// tenth of a bare node start on a terminal or a pipe). Written synchronously and whole, in order;
// where the descriptor would block (a non-blocking pipe), this write and every later one go to
// the stream instead, so nothing is lost or reordered.
import { writeSync } from 'node:fs';

export function fdWriter(fd: number, stream: () => NodeJS.WritableStream): (data: string | Uint8Array) => void {
  let fallback: NodeJS.WritableStream | undefined;
  return (data) => {
    if (fallback) {
      fallback.write(data);
      return;
    }
    let bytes = typeof data === 'string' ? Buffer.from(data) : data;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        fallback = stream();
        fallback.write(bytes);
        return;
      }
    }
  };
}
