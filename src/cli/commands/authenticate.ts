import { Command, Option } from 'clipanion';

// Listed here so that `keytool --help` shows it. bin/keytool never gets this far: it starts the
// helper (snapshot or plain bundle) without the CLI. Only running the CLI bundle directly
// (`node dist/cli/keytool.mjs authenticate`) ends up here, and then serves the same protocol
// on the process's own stdin/stdout, as the daemon expects.
export class AuthenticateCommand extends Command {
  static override paths = [['authenticate']];
  static override usage = Command.Usage({
    category: 'Daemon helper',
    description: "guix-daemon's signing helper: a drop-in for `guix authenticate`",
    details: `
      Serves the protocol \`guix-daemon\` speaks to \`$GUIX authenticate\` on standard input and output: \`sign\` requests sign a hash with a key file, \`verify\` requests check a signature against the ACL. Replies are byte-identical to the real helper's; where the real helper crashes, this one answers with an error and keeps serving. Nothing is ever written to standard error.

      Point guix-daemon's \`GUIX\` at \`keytool-guix\`, which serves \`authenticate\` and hands every other sub-command to the real guix (\`KEYTOOL_REAL_GUIX\`). See keytool-authenticate(8).
    `,
    examples: [
      ['Check a signature by hand', "printf 'verify 5:wrong\\\\n' | $0 authenticate"],
      ['Keep a log of every request', 'KEYTOOL_AUTHENTICATE_LOG=/tmp/auth.log $0 authenticate'],
      ["Check the ACL, key pair and log as the daemon's user sees them", 'runuser -u guix-daemon -- $0 authenticate --check'],
    ],
  });

  args = Option.Proxy();

  async execute(): Promise<number> {
    const { main } = await import('../../helper/main.js');
    return main(this.args);
  }
}
