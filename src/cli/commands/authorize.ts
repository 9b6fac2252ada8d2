import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class AuthorizeCommand extends KeytoolCommand {
  static override paths = [['authorize']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: 'authorize public keys in the ACL, as `guix archive --authorize` does',
    details: `
      Reads each public key FILE (standard input when none is given) and adds it to the ACL: the new keys first, in the order given, then the keys already there, each key once (authorizing a key again moves it to the front). Refuses anything that is not a public key, private keys included, and then changes nothing.

      A missing ACL is first created with this machine's key (\`signing-key.pub\`), as Guix does. A symbolic link at the ACL path (Guix System links it into the store) is replaced by a regular file, with a warning. \`--label\` gives the key a name that \`keytool list\` shows; labels are kept in \`acl.labels\` beside the ACL, never inside it.
    `,
    examples: [
      ['Authorize a substitute server\'s key', '$0 authorize ci.guix.gnu.org.pub'],
      ['Authorize a key from standard input, with a label', '$0 authorize --label "build box" < key.pub'],
      ['Authorize several keys at once', '$0 authorize a.pub b.pub c.pub'],
    ],
  });

  label = Option.String('--label', { description: 'a name for the key, shown by `keytool list` (one key only)' });
  files = Option.Rest({ name: 'FILE' });

  async execute(): Promise<number> {
    const { authorizeFiles } = await import('../keyops.js');
    return authorizeFiles(this.io, this.files, this.label);
  }
}
