// Builds what bin/keytool runs:
//  - dist/cli/keytool.cjs: what bin/keytool starts, which answers --version alone, `list` and
//    `show` in their everyday forms through dist/cli/quick.cjs (CommonJS, no clipanion), and
//    otherwise imports dist/cli/keytool.mjs: the CLI, ESM, split so heavy parts (ink/React) load
//    only when used;
//  - dist/helper.cjs: the daemon helper, CommonJS, nothing but the protocol, keys and ACL;
//  - dist/cli/quick.cache: the quick path's V8 code cache (src/cli/code-cache.ts; made by
//    scripts/snapshot.mjs, like the helper's snapshot, which is also run at installation);
//  - dist/helper.blob: a V8 start-up snapshot of the helper (see src/helper/snapshot.ts), so that
//    `keytool authenticate` starts about as fast as bare node (made by scripts/snapshot.mjs, also
//    run when the package is installed: the blob belongs to the node that made it).
//  `npm pack` runs this first (prepack), so a package is complete whoever packs it.
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeCache, snapshot } from './snapshot.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const finalDist = path.join(root, 'dist');
// Build beside dist/ and swap it in at the end, so a keytool running meanwhile (a test, the
// daemon) keeps finding a complete dist/ and a failed build leaves the previous one in place.
const dist = path.join(root, `dist.new-${process.pid}`);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
process.on('exit', () => rmSync(dist, { recursive: true, force: true }));

// ink imports react-devtools-core only when DEV is set; bundle a stub in its place.
const stub = path.join(dist, 'devtools-stub.mjs');
writeFileSync(stub, 'export default { connectToDevTools() {} };\n');

await build({
  entryPoints: { keytool: path.join(root, 'src/cli/entry.ts') },
  outdir: path.join(dist, 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  alias: { 'react-devtools-core': stub },
  define: { 'process.env.DEV': '"false"' },
  banner: { js: "import { createRequire as __keytoolCreateRequire } from 'node:module'; const require = __keytoolCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
rmSync(stub);

/** One CommonJS bundle of `entry` (under src/) at `out` (under dist/). */
const bundleCjs = (entry, out, options = {}) =>
  build({ entryPoints: [path.join(root, entry)], outfile: path.join(dist, out), bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning', ...options });

await bundleCjs('src/cli/launcher.ts', 'cli/keytool.cjs');
// The build ID ties the quick path's code cache to this very bundle (src/cli/code-cache.ts).
await bundleCjs('src/cli/quick.ts', 'cli/quick.cjs', { footer: { js: `// build-id: ${randomBytes(16).toString('hex')}` } });
await bundleCjs('src/cli/code-cache.ts', 'cli/code-cache.cjs');
codeCache(dist, path.join(root, 'keys-example'));

await bundleCjs('src/helper/entry.ts', 'helper.cjs');
await bundleCjs('src/helper/snapshot.ts', 'helper-snapshot.cjs');
// The blob is tied to this exact node binary: see scripts/snapshot.mjs.
snapshot(dist);

const old = path.join(root, `dist.old-${process.pid}`);
if (existsSync(finalDist)) renameSync(finalDist, old);
renameSync(dist, finalDist);
rmSync(old, { recursive: true, force: true });
