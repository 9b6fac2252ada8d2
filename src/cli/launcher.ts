// What bin/keytool starts (dist/cli/keytool.cjs): CommonJS, a few kilobytes, so that what needs
// no command line parser costs little more than node itself. On Node 20 an ES module entry
// costs 12-15% of a bare node start in the module loader alone, and clipanion, the command
// classes and their chunks some 80% more: `keytool --version` is answered here, `list` and `show`
// in their everyday forms by the quick path (dist/cli/quick.cjs, src/cli/quick.ts), and everything
// else goes on to the CLI (dist/cli/keytool.mjs, src/cli/entry.ts).
import { writeSync } from 'node:fs';
import path from 'node:path';
import { loadWithCodeCache } from './code-cache.js';
import { VERSION_LINE } from '../version.js';

const argv = process.argv.slice(2);
// bin/keytool kept NODE_EXTRA_CA_CERTS from node (reading a certificate bundle at every start
// costs several times node's own start-up) for the commands that never use TLS: give it back to
// the environment, for the programs keytool runs.
if (process.env.KEYTOOL_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.KEYTOOL_EXTRA_CA_CERTS;
  delete process.env.KEYTOOL_EXTRA_CA_CERTS;
}
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // A plain write: process.stdout would first build a stream (10% of node's start).
  try {
    writeSync(1, VERSION_LINE);
  } catch {
    process.stdout.write(VERSION_LINE);
  }
} else if ((argv[0] === 'list' || argv[0] === 'show') && quickPath().quickMain(argv)) {
  // Answered by the quick path (src/cli/quick.ts): list and show in their everyday forms.
} else {
  // Not a literal: the build leaves it to node, which finds the CLI beside this file.
  const cli = './keytool.mjs';
  void import(cli);
}

/** dist/cli/quick.cjs, a bundle of its own, from its code cache (dist/cli/quick.cache) when it has one. */
function quickPath(): typeof import('./quick.js') {
  const { exports, cached } = loadWithCodeCache(path.join(__dirname, 'quick.cjs'));
  if (process.env.KEYTOOL_DEBUG) {
    writeSync(2, `keytool: ${cached ? 'started from the code cache' : 'no code cache of its own for this node and these V8 flags: compiled'} (${path.join(__dirname, 'quick.cache')})\n`);
  }
  return exports as unknown as typeof import('./quick.js');
}
