import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class GenerateCommand extends KeytoolCommand {
  static override paths = [['generate']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: 'generate the signing key pair, as `guix archive --generate-key` does',
    details: `
      Writes \`signing-key.pub\` (mode 0444) and \`signing-key.sec\` (mode 0400) in the configuration directory, each atomically, and prints the new key's fingerprint. Refuses to overwrite an existing key pair. When the store (\`/gnu/store\`, or \`$NIX_STORE_DIR\`) exists, root gives the files to the store's owner.

      The default key is ECDSA on the Ed25519 curve, as Guix makes it. \`--parameters\` takes a libgcrypt genkey S-expression for other kinds: RSA, NIST P-256/P-384/P-521 or secp256k1.
    `,
    examples: [
      ['Generate the default key pair in /etc/guix (as root)', '$0 generate'],
      ['Generate a key pair in another directory', '$0 generate --config-dir ./keys'],
      ['Generate an RSA-4096 key pair', '$0 generate --parameters "(genkey (rsa (nbits 4:4096)))"'],
      ['Generate a NIST P-256 key pair', '$0 generate --parameters \'(genkey (ecdsa (curve "NIST P-256")))\''],
    ],
  });

  parameters = Option.String('--parameters', {
    description: 'libgcrypt key generation parameters (default: (genkey (ecdsa (curve Ed25519) (flags rfc6979))))',
  });

  async execute(): Promise<number> {
    const { generateKeyFiles, DEFAULT_PARAMETERS } = await import('../../keys/generate.js');
    const paths = this.config;
    const { info } = generateKeyFiles(paths, this.parameters ?? DEFAULT_PARAMETERS, (line) => this.err(`${line}\n`), this.env);
    this.err(`wrote ${paths.publicKey} and ${paths.secretKey} (${info.description})\n`);
    this.out(`${info.fingerprint}\n`);
    return 0;
  }
}
