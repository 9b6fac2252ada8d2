import { Command, Option } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class ListCommand extends KeytoolCommand {
  static override paths = [['list']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: "list the ACL's keys: fingerprint, algorithm, label",
    details: `
      One line per authorized key, in ACL order: the start of its fingerprint, its algorithm, and a label (a well-known build farm, \`this machine\` for \`signing-key.pub\`, or one given with \`keytool authorize --label\`). \`--json\` prints an object with the ACL path and every key's full fingerprint, kind, algorithm, label and public key text.

      When the ACL does not exist yet, lists what Guix would create it with: this machine's key.
    `,
    examples: [
      ['List the authorized keys', '$0 list'],
      ['Fingerprints of all keys, for a script', "$0 list --json | jq -r '.keys[].fingerprint'"],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'print JSON (stable keys) instead of text' });

  async execute(): Promise<number> {
    const { listAcl } = await import('../keyops.js');
    return listAcl(this.io, this.json);
  }
}
