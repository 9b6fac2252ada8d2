// The README's first command ends in `node scripts/demo.mjs`: keep it working.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

it('the demo plays the daemon against keytool authenticate on the example keys and succeeds', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'demo.mjs')], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('=> 0 (signature \n');
  expect(r.stdout).toContain('=> 500 invalid signature: ');
  expect(r.stdout).toContain('=> 500 unauthorized public key: ');
  expect(r.stdout).toMatch(/demo: every reply as guix-daemon expects\n$/);
  expect(r.status).toBe(0);
});
