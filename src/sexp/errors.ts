// One error class for every S-expression reading failure: where (byte offset into the input),
// libgcrypt's error code when libgcrypt has one for the same fault, and what was expected.

/** libgcrypt's GPG_ERR_SEXP_* codes (gpg-error.h), for the faults libgcrypt reports too. */
export const SexpErrorCode = {
  /** Ours: a fault libgcrypt has no code for (trailing data, depth and size limits, transport form). */
  NONE: 0,
  INV_LEN_SPEC: 201,
  STRING_TOO_LONG: 202,
  UNMATCHED_PAREN: 203,
  BAD_CHARACTER: 205,
  BAD_QUOTATION: 206,
  ZERO_PREFIX: 207,
  NESTED_DH: 208,
  UNMATCHED_DH: 209,
  UNEXPECTED_PUNC: 210,
  BAD_HEX_CHAR: 211,
  ODD_HEX_NUMBERS: 212,
  /** What libgcrypt 1.10.1 returns for an empty base64 atom `||` (a system-error "Invalid argument"). */
  EMPTY_BASE64: 32816,
} as const;

export class SexpError extends Error {
  override name = 'SexpError';
  /** Byte offset into the input where the fault was found. */
  readonly offset: number;
  /** libgcrypt's error code for the same fault, or 0 (SexpErrorCode.NONE) when it has none. */
  readonly code: number;
  /** What is wrong, without the offset (`message` is `${reason} at byte ${offset}`). */
  readonly reason: string;

  constructor(reason: string, offset: number, code: number = SexpErrorCode.NONE) {
    super(`${reason} at byte ${offset}`);
    this.reason = reason;
    this.offset = offset;
    this.code = code;
  }
}
