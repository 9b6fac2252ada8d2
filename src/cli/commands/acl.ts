import { Command, Option, UsageError } from 'clipanion';
import { KeytoolCommand } from '../base.js';

export class AclCommand extends KeytoolCommand {
  static override paths = [['acl']];
  static override usage = Command.Usage({
    category: 'Keys and ACL',
    description: 'edit the ACL in a full-screen terminal editor, or export it for Guix System',
    details: `
      Shows the authorized keys (label, algorithm, fingerprint; this machine's key marked with *) and lets you add keys from a file or pasted text, remove them, label them, undo and redo. Nothing is written until you save: the save shows what changes, then writes the ACL atomically under the same lock as \`keytool authorize\`, and refuses to overwrite it if it changed on disk since it was read, offering to reload. Quitting with unsaved changes asks first. \`?\` lists every key; see keytool-acl(1).

      Needs a terminal: without one, use \`keytool list\`, \`keytool show\`, \`keytool authorize\` and \`keytool deauthorize\`. Colours are off when NO_COLOR is set.

      \`keytool acl export\` needs no terminal: on Guix System, \`/etc/guix/acl\` is rebuilt from the system configuration at every reconfigure, so keys authorized with keytool are lost then. It prints the ACL's keys, in order, as the Scheme list the \`authorized-keys\` field of \`guix-configuration\` takes: one \`(plain-file "NAME.pub" "(public-key ...)")\` per key, named and commented after its label. The list replaces \`%default-authorized-guix-keys\`.
    `,
    examples: [
      ['Edit the ACL of /etc/guix (as root)', '$0 acl'],
      ['Edit the ACL of another configuration directory (here, a copy of the example keys)', 'cp -r keys-example /tmp/kt && $0 acl --config-dir /tmp/kt'],
      ['Print the ACL for the authorized-keys of a Guix System configuration', '$0 acl export > authorized-keys.scm'],
    ],
  });

  action = Option.String({ required: false, name: 'export' });

  async execute(): Promise<number> {
    if (this.action !== undefined) {
      if (this.action !== 'export') throw new UsageError(`unknown action "${this.action}" (expected export, or nothing for the editor)`);
      const { exportAclScheme } = await import('../keyops.js');
      return exportAclScheme(this.io);
    }
    const { stdin, stdout, stderr } = this.context as unknown as { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
    const missing = !stdin.isTTY ? 'standard input' : !stdout.isTTY ? 'standard output' : undefined;
    if (missing) {
      this.err(
        `keytool: acl is an interactive editor and ${missing} is not a terminal; ` +
          'use keytool list, keytool show, keytool authorize or keytool deauthorize instead\n',
      );
      return 2;
    }
    // ink renders nothing until exit when it believes it runs in CI (is-in-ci reads $CI when
    // loaded); this is an interactive terminal, so hide those variables while ink loads.
    const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    let runEditor;
    try {
      ({ runEditor } = await import('../../tui/run.js'));
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    }
    return runEditor(this.config, { stdin, stdout, stderr, env: this.env });
  }
}
