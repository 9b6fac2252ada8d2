import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class DeauthorizeCommand extends KeytoolCommand {
  static override paths = [['deauthorize']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: 'remove keys from the ACL, by key file or fingerprint',
    details: `
      Each argument is a public key file, or a key's fingerprint as \`keytool list\` shows it, or a prefix of it (at least 4 hex digits; spaces and colons are ignored) that matches exactly one key. Either every named key is removed or, on any error, none.

      Refuses to remove this machine's own key (\`signing-key.pub\`) unless \`--force\` is given: without it the machine rejects archives it signed itself.
    `,
    examples: [
      ['Remove a key by fingerprint prefix', '$0 deauthorize 30e7f84d'],
      ['Remove a key by its file', '$0 deauthorize old-server.pub'],
      ['Remove the local key too', '$0 deauthorize --force signing-key.pub'],
    ],
  });

  force = Option.Boolean('--force', false, { description: "also remove this machine's own key" });
  keys = Option.Rest({ name: 'KEY-FILE|FINGERPRINT', required: 1 });

  async execute(): Promise<number> {
    const { deauthorizeArgs } = await import('../keyops.js');
    return deauthorizeArgs(this.io, this.keys, this.force);
  }
}
