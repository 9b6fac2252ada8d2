// A separate process that writes the ACL through updateAcl and can be killed at chosen points:
// the crash tests run it (bundled by harness.ts) and SIGKILL it mid-way.
//   acl-writer hold DIR               take the ACL lock, print "locked", wait forever
//   acl-writer stall DIR KEYFILE      authorize KEYFILE, but stall before the rename (prints "ready")
//   acl-writer fail DIR KEYFILE       authorize KEYFILE, but fail before the rename
//   acl-writer add DIR KEYFILE        authorize KEYFILE
import { writeSync } from 'node:fs';
import { configPaths } from '../../../src/config.js';
import { authorizeKeys } from '../../../src/acl/acl.js';
import { readPublicKeyFile, updateAcl, withAclLock } from '../../../src/acl/store.js';

const [mode, dir, keyFile] = process.argv.slice(2);
const paths = configPaths(dir!);
const forever = (): never => {
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_000_000);
};
const say = (s: string): void => {
  writeSync(1, `${s}\n`);
};
try {
  switch (mode) {
    case 'hold':
      withAclLock(paths, () => {
        say('locked');
        forever();
      });
      break;
    case 'stall':
    case 'fail':
    case 'add': {
      const key = readPublicKeyFile(keyFile!);
      updateAcl(paths, (keys) => authorizeKeys(keys, [key]), {
        beforeRename: () => {
          if (mode === 'stall') {
            say('ready');
            forever();
          }
          if (mode === 'fail') throw new Error('simulated failure before rename');
        },
      });
      say('done');
      break;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  say(`error: ${(e as Error).message}`);
  process.exitCode = 1;
}
