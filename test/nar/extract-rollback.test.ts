// `archive extract` moves its items out of staging one by one; when a later move fails, the items
// already moved go back, so DIR is left as it was. A real failure there needs a race, so the
// second move is made to fail here by wrapping node:fs's renameSync.
import { describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadKeyPair, signHash } from '../../src/crypto/index.js';
import { configPaths } from '../../src/config.js';
import { exportBundle } from '../../src/nar/bundle.js';
import { archiveExtract } from '../../src/nar/cli/archive.js';
import { printAdvanced } from '../../src/sexp/index.js';
import { collect, DEP, HELLO, scratch } from './helpers.js';

const failing = vi.hoisted(() => ({ name: '' }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof real.renameSync = (from, to) => {
    if (failing.name && String(to).endsWith(failing.name)) {
      failing.name = '';
      throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    }
    real.renameSync(from, to);
  };
  return { ...real, renameSync, default: { ...real, renameSync } };
});

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../keys-example');

describe('archive extract: a move that fails undoes the moves before it', () => {
  it('DIR keeps only what it held, no staging directory, the failure said in words', async () => {
    const d = scratch('rollback');
    for (const t of ['one', 'two']) {
      fs.mkdirSync(path.join(d, t, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(d, t, 'sub', 'f'), `${t}\n`);
    }
    const pair = loadKeyPair(path.join(EXAMPLE, 'signing-key.sec'));
    const bundle = await collect(exportBundle([{ storePath: DEP, references: [], source: path.join(d, 'one') }, { storePath: HELLO, references: [DEP], source: path.join(d, 'two') }], (h) => printAdvanced(signHash(pair, h))));
    const out = path.join(d, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'mine'), 'keep\n');
    const stdin = new PassThrough();
    stdin.end(bundle);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    failing.name = path.basename(HELLO); // the second item
    await expect(archiveExtract('-', out, configPaths(EXAMPLE), path.join(EXAMPLE, 'acl'), '/gnu/store', { stdin, stdout, stderr, env: {} }))
      .rejects.toThrow(`cannot create '${out}/${path.basename(HELLO)}': Input/output error; nothing extracted`);
    expect(fs.readdirSync(out)).toEqual(['mine']);
    expect(failing.name).toBe('');
  });
});
