// vitest globalSetup: one scratch directory per test run, test/.tmp/run-XXXXXX, named to the test
// processes in $KEYTOOL_TEST_SCRATCH (support/oracle.ts makes it TMP_ROOT), and removed with
// everything in it when the run ends, however its tests ended. test/.tmp itself stays: it caches
// the libgcrypt oracle, built once per checkout.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

export default function setup(): () => void {
  const cache = path.resolve(__dirname, '..', '.tmp');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'run-'));
  // Traversable by everyone, as test/.tmp is: some CLI tests drop privileges to `nobody`.
  chmodSync(dir, 0o755);
  process.env.KEYTOOL_TEST_SCRATCH = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
