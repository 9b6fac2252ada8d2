// Man pages: every man/*.md builds, the committed roff is what the sources build to today, groff
// lints it without a single warning; `keytool --help` lists every command, and every command and
// option the CLI knows is documented in the pages.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeCli } from '../../src/cli/main.js';
import { TMP_ROOT } from '../support/oracle.js';
import { KEYTOOL, REPO } from './support/run.js';

const manDir = path.join(REPO, 'man');
const sources = readdirSync(manDir).filter((f) => f.endsWith('.md')).sort();
const allPages = sources.map((f) => readFileSync(path.join(manDir, f), 'utf8')).join('\n');

describe('man pages', () => {
  const out = mkdtempSync(path.join(TMP_ROOT, 'man-'));
  execFileSync(process.execPath, [path.join(REPO, 'scripts/build-man.mjs'), '--out', out], { env: { ...process.env, SOURCE_DATE_EPOCH: '' } });

  it('include keytool(1)', () => expect(sources).toContain('keytool.1.md'));

  it.each(sources)('%s: the committed roff is up to date (run `npm run man`)', (src) => {
    const page = src.replace(/\.md$/, '');
    expect(readFileSync(path.join(manDir, page), 'utf8')).toBe(readFileSync(path.join(out, page), 'utf8'));
  });

  it.each(sources)('%s: groff -man -ww reports nothing', (src) => {
    const r = spawnSync('groff', ['-man', '-ww', '-z', '-Tutf8', path.join(out, src.replace(/\.md$/, ''))], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('are reproducible: SOURCE_DATE_EPOCH sets the date and nothing else', () => {
    const other = mkdtempSync(path.join(TMP_ROOT, 'man-'));
    execFileSync(process.execPath, [path.join(REPO, 'scripts/build-man.mjs'), '--out', other], { env: { ...process.env, SOURCE_DATE_EPOCH: '0' } });
    for (const src of sources) {
      const page = src.replace(/\.md$/, '');
      const a = readFileSync(path.join(out, page), 'utf8').split('\n');
      const b = readFileSync(path.join(other, page), 'utf8').split('\n');
      expect(b[1]).toContain(' 1970-01-01 ');
      expect(b.filter((_, i) => i !== 1)).toEqual(a.filter((_, i) => i !== 1));
    }
  });

  it('the builder refuses what it cannot render, naming the file', () => {
    const r = spawnSync(process.execPath, ['-e', `import('${path.join(REPO, 'scripts/build-man.mjs')}').then(m => m.renderPage('# x(1) -- y\\n\\n<div>html</div>\\n', 'man/x.1.md', '1'))`], { encoding: 'utf8' });
    expect(r.stderr).toContain('man/x.1.md: HTML blocks are not supported');
  });
});

describe('--help agrees with the man pages', () => {
  const cli = makeCli(false);
  const defs = cli.definitions().filter((d) => d.path !== 'keytool -h' && d.path !== 'keytool --help' && !/--version/.test(d.path));
  const names = defs.map((d) => d.path.replace(/^keytool /, ''));

  it('keytool --help lists every command', () => {
    const r = spawnSync(KEYTOOL, ['--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    for (const n of names) expect(r.stdout).toContain(`keytool ${n}`);
  });

  it.each(names)('keytool %s is documented in keytool(1) and its options in a page', (name) => {
    const page = readFileSync(path.join(manDir, 'keytool.1.md'), 'utf8');
    expect(page).toMatch(new RegExp(`^\`${name.split(' ')[0]}\``, 'm'));
    const def = defs.find((d) => d.path === `keytool ${name}`)!;
    for (const o of def.options) {
      for (const flag of o.definition.split(/[ ,]+/).filter((f) => f.startsWith('-'))) expect(allPages, `${flag} of keytool ${name}`).toContain(`\`${flag}\``);
    }
  });

  it.each(names)('keytool %s --help exits 0 and shows its description', (name) => {
    const r = spawnSync(KEYTOOL, [...name.split(' '), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    const def = defs.find((d) => d.path === `keytool ${name}`)!;
    expect(r.stdout.toLowerCase()).toContain(def.description!.slice(0, 30).toLowerCase());
  });
});
