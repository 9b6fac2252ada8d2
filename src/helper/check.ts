// `keytool authenticate --check`: what the helper would find, run as the daemon's user with the
// daemon's environment. While serving, the helper can tell nobody about its own set-up (stderr is
// the daemon's reply pipe, and an unwritable log file is silently skipped), so the administrator
// asks here: `sudo -u guix-daemon env KEYTOOL_AUTHENTICATE_LOG=... keytool authenticate --check`.
import { closeSync, existsSync, openSync } from 'node:fs';
import { userInfo } from 'node:os';
import { displayable } from '../display.js';
import { Session } from './server.js';
import { strerror } from './strerror.js';

/** One line per item, `ok`, `note` or `PROBLEM`; the exit status is 1 when there is a PROBLEM. */
export function checkSetup(env: NodeJS.ProcessEnv, write: (line: string) => void): number {
  let problems = 0;
  const line = (kind: 'ok' | 'note' | 'PROBLEM', text: string) => {
    if (kind === 'PROBLEM') problems++;
    write(`${kind.padEnd(8)}${text}\n`);
  };
  let who: string;
  try {
    who = userInfo().username;
  } catch {
    who = 'an unnamed user';
  }
  write(`keytool authenticate --check, as ${displayable(who)} (uid ${process.getuid?.() ?? '?'}):\n`);

  const session = new Session();
  const { acl, secretKey } = session.paths;
  const aclStatus = session.aclStatus();
  if (aclStatus.ok) line('ok', `ACL ${displayable(acl)}: ${aclStatus.keys} authorized key(s)`);
  else line('PROBLEM', `ACL ${displayable(acl)} is unusable, so every import is refused: ${displayable(aclStatus.message)}`);

  if (!existsSync(secretKey)) {
    line('note', `no key pair at ${displayable(secretKey)}: the daemon cannot sign exports (make one with keytool generate)`);
  } else {
    const pair = session.loadKeyPair(secretKey);
    if (pair.ok) line('ok', `key pair ${displayable(secretKey)}: loads, so exports can be signed`);
    else line('PROBLEM', `${displayable(pair.message)} (the daemon cannot sign exports; the key pair must be readable by this user)`);
  }

  const log = env.KEYTOOL_AUTHENTICATE_LOG;
  if (!log) {
    line('note', 'KEYTOOL_AUTHENTICATE_LOG is not set: no log is kept');
  } else {
    try {
      // What the helper does for its first line: open for appending, creating the file.
      closeSync(openSync(log, 'a'));
      line('ok', `log ${displayable(log)}: writable`);
    } catch (e) {
      line(
        'PROBLEM',
        `log ${displayable(log)} cannot be written by ${displayable(who)} (${strerror(e)}): the helper still serves, but logs nothing; ` +
          `give the file to this user or name one in a directory it owns (for guix-daemon: /var/log/guix/keytool-authenticate.log)`,
      );
    }
  }
  write(problems ? `${problems} problem(s) found.\n` : 'No problems found.\n');
  return problems ? 1 : 0;
}
