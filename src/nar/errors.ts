// Errors about archives. A NarError says what is wrong and where: the byte offset in the input
// and, inside a nar, the path of the node being read.
import { KeytoolError } from '../errors.js';

export class NarError extends KeytoolError {
  constructor(
    readonly reason: string,
    /** Byte offset in the input where the problem was found (-1 when not about input bytes). */
    readonly offset = -1,
    /** Path inside the archive (`/` for the root node), when known: already escaped for display. */
    readonly narPath?: string,
  ) {
    // Quoted as it is: JSON.stringify would escape the escapes again (`\\x1b` for `\x1b`).
    const where = [offset >= 0 ? `at byte ${offset}` : '', narPath !== undefined ? `in "${narPath}"` : ''].filter(Boolean).join(' ');
    super(where ? `${reason} (${where})` : reason);
  }
}
