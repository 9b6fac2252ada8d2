import { Command, Option } from 'clipanion';
import { PlainCommand } from '../base.js';

export class SignCommand extends PlainCommand {
  static override paths = [['sign']];
  static placeholders = { '--key': 'SECRET-FILE' };
  static override usage = Command.Usage({
    category: 'Signatures',
    description: 'sign a SHA-256 hash, printing the signature text a helper `sign` reply carries',
    details: `
      Signs HASH (64 hex digits), or the SHA-256 of FILE with \`--file\`, with the secret key in SECRET-FILE; the public key is read from the same name with \`.sec\` replaced by \`.pub\`. Prints \`(signature (data ...) (sig-val ...) (public-key ...))\` in libgcrypt's advanced form, byte for byte what \`guix authenticate\` returns (ECDSA and RSA signatures are deterministic).
    `,
    examples: [
      ['Sign a hash with this machine\'s key', '$0 sign --key /etc/guix/signing-key.sec 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
      ['Sign a file\'s SHA-256', '$0 sign --key signing-key.sec --file release.tar > release.sig'],
    ],
  });

  key = Option.String('--key', { required: true, description: 'the secret key file (its .pub must sit beside it)' });
  file = Option.String('--file', { description: 'sign the SHA-256 of this file instead of a given hash' });
  hash = Option.String({ name: 'HASH', required: false });

  async execute(): Promise<number> {
    const { signArgs } = await import('../signops.js');
    return signArgs(this.io, this.key, this.hash, this.file);
  }
}
