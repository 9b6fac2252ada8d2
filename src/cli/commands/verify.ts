import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class VerifyCommand extends KeytoolCommand {
  static override paths = [['verify']];
  static override usage = Command.Usage({
    category: 'Signatures',
    description: 'check a signature text and print the hash it signs',
    details: `
      Reads a \`(signature ...)\` text from SIGNATURE-FILE (standard input when none) and checks it as \`guix authenticate\` does, in Guix's order: it must hold the data and the public key, the key must be in the ACL (unless \`--no-acl\`), and the signature must verify. Prints the signed hash in lower-case hex and exits 0, or prints the reason on standard error and exits 1.
    `,
    examples: [
      ['Check a signature against the ACL', '$0 verify release.sig'],
      ['Check only that the signature is sound', '$0 sign --key signing-key.sec --file f | $0 verify --no-acl'],
    ],
  });

  noAcl = Option.Boolean('--no-acl', false, { description: 'accept any public key (check the signature only)' });
  file = Option.String({ name: 'SIGNATURE-FILE', required: false });

  async execute(): Promise<number> {
    const { verifyArgs } = await import('../signops.js');
    return verifyArgs(this.io, this.file, this.noAcl);
  }
}
