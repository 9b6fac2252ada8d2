// Loading a CommonJS bundle with a V8 code cache: the bytecode of every function a warm-up ran,
// made by the node that will load it (scripts/snapshot.mjs, at build and at installation), so a
// start neither parses the bundle nor compiles what it runs. For the quick path (quick.ts) this
// was a fifth of a `keytool list`; node 20 has no code cache of its own for user code.
//
// V8 refuses a cache made by another V8 or under other flags, or cut short (the bundle is then
// compiled as usual), but it checks only the source's length: so the cache starts with the build
// ID that the build writes into the bundle's last line (scripts/build.mjs), and is used only with
// that bundle. A release V8 does not checksum the cache's bytes (a cache altered in place makes
// node abort): checking them here cost as much as the cache saves (node:zlib's crc32 is a fifth of
// a node start to load, a JavaScript sum over 100 KB 1-1.5 ms). The cache is written only by
// makeCodeCache, whole, under a temporary name renamed into place, beside the bundle it belongs to
// and with the same permissions: whoever could alter it could alter the bundle itself.
import { readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Script } from 'node:vm';

/** The bundle's last line: `// build-id: ID`. */
const BUILD_ID = /\/\/ build-id: ([0-9a-f]{32})\s*$/;

/** Where the cache of `file` (x.cjs) is kept: x.cache beside it. */
const cacheFileOf = (file: string): string => file.replace(/\.cjs$/, '.cache');

function compile(file: string, source: string, cachedData?: Buffer): Script {
  const { Script } = require('node:vm') as typeof import('node:vm');
  // The wrapper node's CommonJS loader puts around a module.
  return new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
}

function evaluate(script: Script, file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, path.dirname(file));
  return module.exports;
}

/**
 * The exports of the CommonJS bundle `file` (which may require node's modules only), from its
 * code cache when that cache is its own (`cached` says whether V8 took it).
 */
export function loadWithCodeCache(file: string): { exports: Record<string, unknown>; cached: boolean } {
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(cacheFileOf(file));
    const id = BUILD_ID.exec(source)?.[1];
    if (id && cache.subarray(0, id.length).toString('latin1') === id) cachedData = cache.subarray(id.length);
  } catch {
    // No cache (not made yet, or unreadable): compiled as usual.
  }
  const script = compile(file, source, cachedData);
  return { exports: evaluate(script, file), cached: cachedData !== undefined && !script.cachedDataRejected };
}

/**
 * Makes `file`'s code cache: loads it, runs `warmUp` on its exports (so V8 compiles what a real
 * run compiles), then writes what V8 compiled, under a temporary name renamed into place.
 */
export async function makeCodeCache(file: string, warmUp: (exports: Record<string, unknown>) => Promise<void>): Promise<void> {
  const source = readFileSync(file, 'utf8');
  const id = BUILD_ID.exec(source)?.[1];
  if (!id) throw new Error(`${file} has no build ID on its last line`);
  const script = compile(file, source);
  await warmUp(evaluate(script, file));
  const target = cacheFileOf(file);
  const tmp = `${target}.${process.pid}`;
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
}
