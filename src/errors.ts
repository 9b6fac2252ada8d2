// One error class for every expected failure (bad input, missing file, refused operation).
// Its message is meant for the user as-is; anything else thrown is a bug.

export class KeytoolError extends Error {
  override readonly name = 'KeytoolError';
  constructor(
    message: string,
    /** Process exit status when this ends a CLI command: 1 = failed, 2 = misuse. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}
