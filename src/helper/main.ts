// `keytool authenticate`: the helper guix-daemon runs as `$GUIX authenticate`. Its stdout and
// stderr are one pipe to the daemon, so once serving starts nothing but replies is ever written:
// warnings are silenced, and even an unexpected exception becomes a 500 reply (see server.ts) or,
// outside any request, a silent exit noted in the optional log file.
import { appendFileSync } from 'node:fs';
import { exitQuietlyOnBrokenPipe } from '../fsutil/broken-pipe.js';
import { VERSION } from '../version.js';
import { Session, type LogSink } from './server.js';
import { serve } from './serve.js';

const USAGE = `Usage: keytool authenticate

guix-daemon's signing helper: a drop-in for \`guix authenticate\`. It serves
the daemon's protocol on standard input and output; guix-daemon starts it as
\`$GUIX authenticate\` (see keytool-guix) and sends, one line each:

  sign LEN:KEYFILE LEN:HEXHASH    sign a SHA-256 hash with the key in KEYFILE
                                  (the public key is KEYFILE with .sec -> .pub)
  verify LEN:SIGNATURE            check a (signature ...) against the ACL and
                                  return the hash it signs

Replies are \`CODE LEN:BYTES\`: 0 success, 500 failure (the payload says why),
404 unknown command. Nothing is ever written to standard error.

Options:
  --check          check the set-up as this user, with this environment (run it
                   as the daemon's user): the ACL, the key pair, the log file;
                   exit 1 if something would fail
  -h, --help       show this help and exit
  -V, --version    show the version and exit

Environment:
  GUIX_CONFIGURATION_DIRECTORY   where the ACL lives (default /etc/guix)
  KEYTOOL_AUTHENTICATE_LOG       append one diagnostic line per request here

See keytool-authenticate(8).
`;

/** The arguments after `authenticate`, however node was started (bundle, snapshot, tests). */
function helperArguments(argv: readonly string[]): string[] {
  const rest = argv.slice(1);
  if (rest[0] !== undefined && /helper[\w.-]*\.c?js$/.test(rest[0])) rest.shift();
  if (rest[0] === 'authenticate') rest.shift();
  return rest;
}

/** A log sink appending to $KEYTOOL_AUTHENTICATE_LOG, or none. Never throws. */
function logSink(): LogSink | undefined {
  const file = process.env.KEYTOOL_AUTHENTICATE_LOG;
  if (!file) return undefined;
  return (line) => {
    try {
      appendFileSync(file, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
    } catch {
      /* never fatal */
    }
  };
}

/** Keep node itself from writing to stderr while serving. */
function silence(log: LogSink | undefined): void {
  process.removeAllListeners('warning');
  process.on('warning', (w) => log?.(`node warning: ${w.name}: ${w.message}`));
  process.noDeprecation = true;
  const die = (what: string) => (e: unknown) => {
    log?.(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`.replace(/\n/g, ' | '));
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}

export async function main(args: readonly string[]): Promise<number> {
  // A person's modes (not the daemon's, which passes no arguments and whose replies go through
  // fd 1 directly: process.stdout would make that descriptor non-blocking).
  if (args.length > 0) exitQuietlyOnBrokenPipe(process.stdout, process.stderr);
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`keytool authenticate ${VERSION}\n`);
    return 0;
  }
  if (args.length === 1 && args[0] === '--check') {
    const { checkSetup } = await import('./check.js');
    return checkSetup(process.env, (line) => process.stdout.write(line));
  }
  if (args.length > 0) {
    // Not the daemon (it passes no arguments): a person, who reads stderr.
    process.stderr.write(`keytool authenticate: wrong arguments: ${args.join(' ')}\nTry 'keytool authenticate --help'.\n`);
    return 2;
  }
  const log = logSink();
  silence(log);
  const session = new Session({ ...(log ? { log } : {}) });
  await serve(session, log ? { log } : {});
  log?.('end of input');
  return 0;
}

/** Run main and exit with its status once stdout has drained (help text may be large). */
export function run(argv: readonly string[]): void {
  main(helperArguments(argv)).then(
    (status) => {
      if (process.stdout.writableLength === 0) process.exit(status);
      process.stdout.write('', () => process.exit(status));
    },
    () => process.exit(1),
  );
}
