// In-process runs of the archive commands through the CLI wrapper: progress appears on stderr
// only when it is a terminal (and is cleared at the end); misuse exits 2.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { closeSync, openSync, writeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { run } from '../../src/cli/main.js';
import { scratch, sink } from './helpers.js';

async function keytool(args: string[], stderrTTY: boolean) {
  const stdout = sink(false);
  const stderr = sink(stderrTTY);
  const status = await run(args, { stdin: Readable.from([]) as never, stdout, stderr, env: { NO_COLOR: '1' } });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

describe('progress on stderr', () => {
  const dir = scratch('progress');
  mkdirSync(path.join(dir, 'tree'));
  const fd = openSync(path.join(dir, 'tree', 'big'), 'w');
  writeSync(fd, Buffer.alloc(4 << 20, 1));
  closeSync(fd);

  it('is shown and cleared when stderr is a terminal', async () => {
    const r = await keytool(['nar', 'hash', path.join(dir, 'tree')], true);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sha256:[0-9a-z]{52}\n$/);
    expect(r.stderr).toMatch(/^\r\x1b\[Khashing .*: \d/);
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
  });

  it('is absent when stderr is not a terminal', async () => {
    const r = await keytool(['nar', 'hash', path.join(dir, 'tree')], false);
    expect(r).toMatchObject({ status: 0, stderr: '' });
  });

  it('export without items is misuse (exit 2)', async () => {
    const r = await keytool(['archive', 'export'], false);
    expect(r).toMatchObject({ status: 2, stderr: 'keytool: archive export: nothing to export: give --store-path PATH DIR for each item, or --items-from FILE\n' });
    const h = await keytool(['archive', 'export', '--help'], false);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('--store-path');
  });
});
