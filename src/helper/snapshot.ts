// The helper's V8 start-up snapshot (dist/helper-snapshot.cjs, then
// `node --snapshot-blob dist/helper.blob --build-snapshot dist/helper-snapshot.cjs`): the whole
// helper already loaded and the Ed25519 base-point table already computed, so that
// `keytool authenticate` starts about as fast as bare node. bin/keytool runs it as
// `node --snapshot-blob dist/helper.blob authenticate [--help|--version]`.
import { startupSnapshot } from 'node:v8';
import { warmUp } from '../crypto/index.js';
import { run } from './main.js';
import { warmUpSession } from './warm-up.js';

// Runs while the snapshot is built: everything computed here is in the blob, and every function
// these run is compiled in it.
warmUp();
warmUpSession();

startupSnapshot.setDeserializeMainFunction(() => run(process.argv));
