// Man pages: every man/*.md builds, the committed roff is what the sources build to today, groff
// lints it without a single warning; `keytool --help` lists every command, and every command and
// option the CLI knows is documented in the pages; every option a command takes is in its --help
// usage line and its page's SYNOPSIS, and it takes none it ignores.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandClass } from 'clipanion';
import { makeCli } from '../../src/cli/main.js';
import { commands } from '../../src/cli/commands/index.js';
import { EXPORT_OPTIONS, parseExportArgs } from '../../src/nar/cli/archive.js';
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

  it.each(names)('keytool %s --help exits 0, shows its description, and names every option in its usage line', (name) => {
    const r = spawnSync(KEYTOOL, [...name.split(' '), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    const def = defs.find((d) => d.path === `keytool ${name}`)!;
    expect(r.stdout.toLowerCase()).toContain(def.description!.slice(0, 30).toLowerCase());
    if (name === 'authenticate') {
      // Served by the helper (bin/keytool never loads the CLI for it), with its own option list.
      for (const flag of ['--check', '--version', '--help']) expect(r.stdout).toContain(flag);
      return;
    }
    const usageLine = r.stdout.split('\n').find((l) => l.startsWith('$ '))!;
    for (const o of def.options) expect(usageLine, `${o.definition} in the usage line of keytool ${name} --help`).toContain(o.definition.replace(/ #\d.*/, ''));
  });
});

/**
 * The rule for "takes an option": a command class's option field is read by its execute(), the
 * configuration directory through the `config` or `io` getters of KeytoolCommand; a command that
 * reads its own arguments (`rawArguments`, see src/cli/main.ts) declares exactly the options its
 * parser accepts.
 */
describe('every command takes the options it lists, and lists the options it takes', () => {
  const cli = makeCli(false);
  const optionFields = (c: CommandClass): string[] => {
    const instance = new (c as unknown as new () => object)() as Record<string, unknown>;
    return Object.keys(instance).filter((k) => {
      const v = instance[k];
      return typeof v === 'object' && v !== null && Object.getOwnPropertySymbols(v).some((sym) => sym.description === 'clipanion/isOption');
    });
  };
  const named = commands.filter((c) => c.paths?.[0]?.[0] !== '--version').map((c) => [c.paths![0]!.join(' '), c] as const);

  /** Arguments a command accepts on purpose without reading them. */
  const unread: Record<string, string[]> = {
    'git pre-push': ['url'], // git passes the remote's URL to every pre-push hook; its name is enough
  };

  it.each(named)('keytool %s reads every option it declares', (_name, c) => {
    const raw = (c as { rawArguments?: boolean }).rawArguments;
    const source = c.prototype.execute.toString();
    const destructured = [...source.matchAll(/\{([^{}]*)\} = this\b/g)].flatMap((m) => m[1]!.split(',').map((w: string) => w.trim().split(/[:\s]/)[0]));
    for (const field of optionFields(c)) {
      if (raw && field !== 'args') continue; // declarations for --help, checked below
      if (unread[_name]?.includes(field)) continue;
      const read = field === 'configDirOption' ? /this\.(config|io)\b/.test(source) : source.includes(`this.${field}`) || destructured.includes(field);
      expect(read, `${field} of keytool ${_name} is declared but execute() never reads it`).toBe(true);
    }
  });

  it('archive export declares exactly the options its own parser accepts, and the parser accepts each', () => {
    const def = cli.definitions().find((d) => d.path === 'keytool archive export')!;
    const declared = new Set(def.options.flatMap((o) => o.definition.replace(/ #\d.*/, '').split(',')));
    expect([...declared].sort()).toEqual([...EXPORT_OPTIONS].filter((f) => f !== '-h' && f !== '--help').sort());
    for (const flag of declared) {
      const group = ['--store-path', '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello', 'dir'];
      const argv = flag === '--store-path' ? group : flag === '--reference' || flag === '--deriver' ? [...group.slice(0, 2), flag, '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-dep', 'dir'] : [flag, 'x', ...group];
      expect(() => parseExportArgs(argv), flag).not.toThrow();
    }
  });

  /** The SYNOPSIS paragraphs of `keytool NAME` (and `keytool NAME WORD` when that is not a command of its own) in any page. */
  const synopsis = (name: string): { page: string; flags: Set<string> } | undefined => {
    for (const src of sources) {
      const text = readFileSync(path.join(manDir, src), 'utf8');
      const section = /^## SYNOPSIS\n([\s\S]*?)^## /m.exec(text)?.[1] ?? '';
      const paragraphs = section.split(/\n\s*\n/).filter((p) => {
        const head = /^`keytool ([^`]+)`/.exec(p.trim())?.[1];
        if (!head) return false;
        return head === name || (head.startsWith(`${name} `) && !names.includes(head) && head.split(' ').length === name.split(' ').length + 1);
      });
      if (paragraphs.length) {
        const flags = new Set(paragraphs.join('\n').match(/`(-{1,2}[\w-]+)`/g)?.map((f) => f.slice(1, -1)) ?? []);
        return { page: src, flags };
      }
    }
    return undefined;
  };
  const defs = cli.definitions();
  const names = defs.map((d) => d.path.replace(/^keytool /, ''));

  it.each(named.filter(([n]) => n !== 'authenticate'))('keytool %s: its page\'s SYNOPSIS names every option it takes (--config-dir: OPTIONS) and none other', (name) => {
    const def = defs.find((d) => d.path === `keytool ${name}`)!;
    const found = synopsis(name);
    expect(found, `keytool ${name} has no SYNOPSIS paragraph in man/`).toBeDefined();
    const { page, flags } = found!;
    const text = readFileSync(path.join(manDir, page), 'utf8');
    const optionsSection = /^## OPTIONS\n([\s\S]*?)^## /m.exec(text)?.[1] ?? '';
    const takes = def.options.map((o) => o.definition.replace(/ #\d.*/, '').split(','));
    for (const aliases of takes) {
      if (aliases.includes('--config-dir')) expect(optionsSection, `${page} OPTIONS documents --config-dir`).toContain('`--config-dir`');
      else expect(aliases.some((a) => flags.has(a)), `${aliases.join(',')} in ${page}'s SYNOPSIS of keytool ${name}`).toBe(true);
      expect(aliases.some((a) => optionsSection.includes(`\`${a}\``)), `${aliases.join(',')} in ${page}'s OPTIONS`).toBe(true);
    }
    for (const flag of flags) expect(takes.some((aliases) => aliases.includes(flag)), `${page} shows ${flag} for keytool ${name}, which does not take it`).toBe(true);
  });
});
