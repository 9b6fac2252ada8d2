// The built CLI keeps ink and React out of everything but the editor: `keytool --version`, the
// other commands and the helper never load them. Reads the esbuild output in dist/ (built by
// `npm test`; built here when missing).
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support.js';

const CLI = path.join(ROOT, 'dist/cli');
const read = (file: string) => readFileSync(path.join(CLI, file), 'utf8');

beforeAll(() => {
  if (!existsSync(path.join(CLI, 'keytool.mjs'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});

/** Chunks a file imports statically (`import ... from "./x.mjs"`, `import "./x.mjs"`), not `import()`. */
function staticImports(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"();]*?\bfrom\s*)?["'](\.\/[^"']+)["']/g)) out.add(m[1]!.slice(2));
  return [...out];
}
const dynamicImports = (code: string): string[] => [...code.matchAll(/\bimport\(\s*["'](\.\/[^"']+)["']\s*\)/g)].map((m) => m[1]!.slice(2));

/** The file and everything it loads before running: its static import closure. */
function closure(file: string): string[] {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of staticImports(read(f))) visit(d);
  };
  visit(file);
  return [...seen];
}

// esbuild marks each bundled module with a `// node_modules/<package>/...` comment (a relative
// path before it when node_modules is a link out of the checkout, as in a git worktree).
const UI = /\/\/ (?:\S*\/)?node_modules\/(?:ink|react|react-reconciler|yoga-layout)\//;
const hasUi = (file: string) => UI.test(read(file));

describe('the CLI bundle', () => {
  it('finds the chunk graph it checks (the checks below can fail)', () => {
    const entry = read('keytool.mjs');
    expect(staticImports(entry).length).toBeGreaterThan(0);
    expect(dynamicImports(entry).length).toBeGreaterThan(0);
    expect(staticImports('import { a } from "./x.mjs";\nimport "./y.mjs";\nawait import("./z.mjs");')).toEqual(['x.mjs', 'y.mjs']);
    expect(readdirSync(CLI).filter((f) => f.endsWith('.mjs')).some(hasUi)).toBe(true);
  });

  it('loads no ink or React when it starts (every command but acl runs from this closure)', () => {
    const start = closure('keytool.mjs');
    const offenders = start.filter(hasUi);
    expect(offenders, `ink/React statically reachable from keytool.mjs: ${offenders.join(', ')}`).toEqual([]);
    expect(read('keytool.mjs')).not.toMatch(/from\s*["']react["']|from\s*["']ink["']/);
  });

  it('keeps ink and React in the chunk the editor loads, and out of every other lazy chunk', () => {
    const lazy = new Set(closure('keytool.mjs').flatMap((f) => dynamicImports(read(f))));
    const withUi = [...lazy].filter((f) => closure(f).some(hasUi));
    expect(withUi).toHaveLength(1);
    const editor = read(withUi[0]!);
    expect(editor).toContain('// src/tui/run.tsx');
    expect(editor).toMatch(/\/\/ (?:\S*\/)?node_modules\/ink\//);
    // The command module that imports it is the acl command, and only it.
    const importers = closure('keytool.mjs').filter((f) => dynamicImports(read(f)).includes(withUi[0]!));
    expect(importers.map((f) => read(f).includes('// src/cli/commands/acl.ts'))).toEqual(importers.map(() => true));
  });

  it('leaves React out of the daemon helper', () => {
    const helper = path.join(ROOT, 'dist/helper.cjs');
    if (!existsSync(helper)) return; // the helper is optional in the build until it lands
    expect(readFileSync(helper, 'utf8')).not.toMatch(UI);
  });
});
