import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class ShowCommand extends KeytoolCommand {
  static override paths = [['show']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: "show a key file's algorithm, fingerprint, and whether it is in the ACL",
    details: `
      FILE is a public or a private key file (\`-\` for standard input). For a private key, the fingerprint is that of its public half. Exits 0 whether or not the key is authorized; the \`authorized\` line (or JSON field) says which.
    `,
    examples: [
      ['Show this machine\'s key', '$0 show /etc/guix/signing-key.pub'],
      ['Show a key as JSON', '$0 show --json key.pub'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'print JSON (stable keys) instead of text' });
  file = Option.String({ name: 'FILE' });

  async execute(): Promise<number> {
    const { showKey } = await import('../keyops.js');
    return showKey(this.io, this.file, this.json);
  }
}
