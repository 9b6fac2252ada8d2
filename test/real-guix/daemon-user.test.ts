// The daemon as Debian's guix-daemon.service runs it: as the unprivileged user guix-daemon, which
// owns the store, the state directory and the key pair; so the helper runs as guix-daemon too.
// Exports through our helper equal the real helper's with the daemon run as root and as
// guix-daemon; a log the helper cannot write changes nothing (and `keytool authenticate --check`,
// run as that user, says so); a log in /var/log/guix, which Debian gives to guix-daemon, works.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freshStore, makeConfigDir, startDaemon, stopAll, userIds, type Daemon } from './support/daemon.js';
import { addSampleItems } from './support/items.js';
import { inRoot, keytoolArgv, mustRun, onHost, type User } from './support/root.js';
import { Tally } from './support/tally.js';

const tally = new Tally('daemon-user');
afterAll(() => tally.report());

const UNWRITABLE_LOG = '/var/log/keytool-authenticate.log';
const GUIX_LOG = '/var/log/guix/keytool-authenticate.log';

describe.each<User>(['root', 'guix-daemon'])('guix-daemon run as %s, store and keys owned by guix-daemon', (user) => {
  it('exports are identical with our helper, whatever log it is given', async () => {
    await freshStore('guix-daemon');
    await mustRun(['sh', '-c', `rm -f ${UNWRITABLE_LOG} ${GUIX_LOG}; chown root:root /var/log; chmod 755 /var/log; chown guix-daemon:guix-daemon /var/log/guix`]);
    const config = await makeConfigDir(`user-${user}`, { keys: 'keytool', owner: 'guix-daemon' });
    const daemonIds = await userIds('guix-daemon');
    // keytool generate gives the key pair to the store's owner, as the installation expects.
    expect(statSync(onHost(`${config.dir}/signing-key.sec`)).uid).toBe(daemonIds.uid);
    expect(statSync(onHost(`${config.dir}/signing-key.sec`)).mode & 0o777).toBe(0o400);

    const daemons: Daemon[] = [];
    try {
      const real = await startDaemon({ name: `user-${user}-real`, config, helper: 'real', user });
      daemons.push(real);
      const items = await addSampleItems(real, `user-${user}`);
      const theirs = await real.guix(['archive', '--export', '-r', items.top, items.one]);
      expect(theirs.stderr).toBe('');
      expect(theirs.status).toBe(0);

      for (const [what, log] of [
        ['no log', undefined],
        ['log in /var/log', UNWRITABLE_LOG],
        ['log in /var/log/guix', GUIX_LOG],
      ] as const) {
        const ours = await startDaemon({ name: `user-${user}-ours-${daemons.length}`, config, helper: 'ours', user, env: log ? { KEYTOOL_AUTHENTICATE_LOG: log } : {} });
        daemons.push(ours);
        const mine = await ours.guix(['archive', '--export', '-r', items.top, items.one]);
        expect(mine.stderr, `${user}, ${what}`).toBe('');
        expect(mine.status).toBe(0);
        expect(tally.compare(`${user} ${what}`, mine.stdout, theirs.stdout), `${user}, ${what}: export differs`).toBe(true);
      }
      // Who could write which log: root writes /var/log; guix-daemon only /var/log/guix.
      const lines = (file: string) => {
        try {
          return readFileSync(onHost(file), 'utf8').split('\n').filter((l) => / sign -> 0$/.test(l)).length;
        } catch {
          return 0;
        }
      };
      expect(lines(UNWRITABLE_LOG)).toBe(user === 'root' ? 5 : 0);
      expect(lines(GUIX_LOG)).toBe(5);

      // What the administrator runs to find out, as the daemon's user with its environment.
      const check = await inRoot(keytoolArgv('authenticate', '--check'), {
        user,
        env: { GUIX_CONFIGURATION_DIRECTORY: config.dir, KEYTOOL_AUTHENTICATE_LOG: UNWRITABLE_LOG },
      });
      expect(check.stderr).toBe('');
      if (user === 'root') {
        expect(check.status, check.stdout.toString()).toBe(0);
      } else {
        expect(check.status).toBe(1);
        expect(check.stdout.toString()).toContain(`PROBLEM log ${UNWRITABLE_LOG} cannot be written by guix-daemon (Permission denied)`);
        expect(check.stdout.toString()).toMatch(/^ok +key pair .*: loads/m);
      }
      const good = await inRoot(keytoolArgv('authenticate', '--check'), { user, env: { GUIX_CONFIGURATION_DIRECTORY: config.dir, KEYTOOL_AUTHENTICATE_LOG: GUIX_LOG } });
      expect(good.status, good.stdout.toString()).toBe(0);
    } finally {
      await stopAll(daemons);
    }
  });
});
