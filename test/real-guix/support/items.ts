// Store items made through a daemon by real Guix's own client code ((guix store) in `guix repl`),
// and file trees to make them from.
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORK, writeInRoot, type Daemon } from './daemon.js';
import { onHost } from './root.js';

/** A file tree to write: file contents (mode 0644, or 0755 with `exec`), symlinks, empty dirs. */
export type TreeEntry = { file: string; exec?: boolean } | { symlink: string } | { dir: true };
export type TreeSpec = Record<string, TreeEntry>;

/** The tree the tests use most: an executable, a plain file, a symlink, nesting, an empty dir. */
export const SAMPLE_TREE: TreeSpec = {
  'bin/hello': { file: '#!/bin/sh\necho hello\n', exec: true },
  'share/doc/README': { file: 'a store item with a symlink\n' },
  'share/empty': { dir: true },
  'lib/libhello.so': { file: '\u0000\u0001binary\u00ff\n' },
  'bin/hi': { symlink: 'hello' },
  'share/readme-link': { symlink: '../share/doc/README' },
};

/** Write `spec` at `pathInRoot` (emptied first), readable by every user. Returns pathInRoot. */
export function writeTree(pathInRoot: string, spec: TreeSpec): string {
  const top = onHost(pathInRoot);
  rmSync(top, { recursive: true, force: true });
  mkdirSync(top, { recursive: true });
  for (const [name, entry] of Object.entries(spec)) {
    const file = path.join(top, name);
    mkdirSync(path.dirname(file), { recursive: true });
    if ('dir' in entry) mkdirSync(file, { recursive: true });
    else if ('symlink' in entry) symlinkSync(entry.symlink, file);
    else {
      writeFileSync(file, Buffer.from(entry.file, 'latin1'));
      chmodSync(file, entry.exec ? 0o755 : 0o644);
    }
  }
  return pathInRoot;
}

/** A Scheme string literal for ASCII text (Guile reads \" \\ \n). */
function schemeString(text: string): string {
  if (/[^\n\x20-\x7e]/.test(text)) throw new Error(`schemeString: only printable ASCII and newlines: ${JSON.stringify(text)}`);
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The items tests export and compare, by role. */
export interface SampleItems {
  /** One regular file (add-text-to-store, no references). */
  one: string;
  /** SAMPLE_TREE, added recursively (add-to-store). */
  tree: string;
  /** A closure: top refers to mid and tree, mid to base. */
  base: string;
  mid: string;
  top: string;
}

/** Every sample item, in the order addSampleItems makes them. */
export const sampleItemList = (items: SampleItems): string[] => [items.one, items.tree, items.base, items.mid, items.top];

/** A store path's 32-character hash part: the name of its narinfo. */
export const hashPart = (storePath: string): string => storePath.slice('/gnu/store/'.length, '/gnu/store/'.length + 32);

/**
 * Add the sample items through `daemon` with real Guix's client. `tag` goes into the contents,
 * so different tags give different items (and the same tag the same ones).
 */
export async function addSampleItems(daemon: Daemon, tag = 'sample'): Promise<SampleItems> {
  const src = writeTree(`${WORK}/src/${tag}-tree`, SAMPLE_TREE);
  const script = `${WORK}/scheme/${tag}-add.scm`;
  writeInRoot(
    script,
    `(use-modules (guix store))
(with-store s
  (let* ((one (add-text-to-store s "one.txt" ${schemeString(`one file (${tag})\n`)} '()))
         (tree (add-to-store s ${schemeString(`${tag}-tree`)} #t "sha256" ${schemeString(src)}))
         (base (add-text-to-store s "base.txt" ${schemeString(`base (${tag})\n`)} '()))
         (mid (add-text-to-store s "mid.txt" (string-append "mid uses " base "\\n") (list base)))
         (top (add-text-to-store s "top.txt" (string-append "top uses " mid " and " tree "\\n") (list mid tree))))
    (for-each (lambda (p) (display p) (newline)) (list one tree base mid top))))
`,
  );
  const result = await daemon.guix(['repl', '--', script]);
  if (result.status !== 0) throw new Error(`adding sample items through ${daemon.options.name} failed:\n${result.stderr}`);
  const [one, tree, base, mid, top] = result.stdout.toString().trim().split('\n');
  if (!top) throw new Error(`adding sample items: unexpected output ${result.stdout.toString()}`);
  return { one: one!, tree: tree!, base: base!, mid: mid!, top: top! };
}

/** A store path that no item has: /gnu/store/<32 nix-base32 characters>-NAME. */
export function freshStorePath(name: string): string {
  const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
  let hash = '';
  for (let i = 0; i < 32; i++) hash += alphabet[Math.floor(Math.random() * 32)];
  return `/gnu/store/${hash}-${name}`;
}
