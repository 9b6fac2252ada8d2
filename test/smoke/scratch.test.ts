// Tests leave nothing behind: their scratch files live in one directory per run under test/.tmp,
// removed when the run ends (test/support/scratch-setup.ts); only the cached oracle stays.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';
import setup from '../support/scratch-setup.js';

describe('test scratch files', () => {
  it('go to a directory of this run, under test/.tmp', () => {
    expect(path.relative(path.resolve(__dirname, '..', '.tmp'), TMP_ROOT)).toMatch(/^run-\w+$/);
    expect(existsSync(TMP_ROOT)).toBe(true);
  });

  it('are removed, all of them, when a run ends', () => {
    const saved = process.env.KEYTOOL_TEST_SCRATCH;
    try {
      const teardown = setup();
      const dir = process.env.KEYTOOL_TEST_SCRATCH!;
      writeFileSync(path.join(dir, 'left-over'), 'x');
      teardown();
      expect(existsSync(dir)).toBe(false);
    } finally {
      process.env.KEYTOOL_TEST_SCRATCH = saved;
    }
  });
});
