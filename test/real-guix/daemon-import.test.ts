// Imports through guix-daemon with our helper verifying: accepted when signed by an authorized
// key; refused for an unauthorized key, a flipped content byte, a corrupted signature, with the
// same exit status and the same error text from `guix archive --import` as with the real helper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, freshStore, makeConfigDir, startDaemon, stopAll, type ConfigDir, type Daemon } from './support/daemon.js';
import { addSampleItems } from './support/items.js';
import { Tally } from './support/tally.js';

const tally = new Tally('daemon-import');
const bundles: Record<string, Buffer> = {};
let signer: ConfigDir;
let trusting: ConfigDir;
let stranger: ConfigDir;

/** A copy of `bundle` with the byte at the first occurrence of `marker` (plus `offset`) changed. */
function flip(bundle: Buffer, marker: string, offset = 0): Buffer {
  const at = bundle.lastIndexOf(Buffer.from(marker, 'latin1'));
  if (at < 0) throw new Error(`flip: ${marker} not in the bundle`);
  const copy = Buffer.from(bundle);
  const i = at + marker.length + offset;
  // Stay a hex digit (or letter) so only the value, not the syntax, changes.
  copy[i] = copy[i] === 0x41 ? 0x42 : 0x41;
  return copy;
}

beforeAll(async () => {
  // Export signed bundles from one store, then start again from an empty one to import them.
  await freshStore('root');
  signer = await makeConfigDir('import-signer', { keys: 'guix' });
  const exporter = await startDaemon({ name: 'import-exporter', config: signer, helper: 'real' });
  try {
    const items = await addSampleItems(exporter, 'import');
    bundles['one file'] = (await mustRunGuix(exporter, ['archive', '--export', items.one])).stdout;
    bundles.closure = (await mustRunGuix(exporter, ['archive', '--export', '-r', items.top])).stdout;
  } finally {
    await exporter.stop();
  }
  await freshStore('root');
  trusting = await makeConfigDir('import-trusting');
  await authorize(trusting, [signer]);
  stranger = await makeConfigDir('import-stranger', { keys: 'guix' });
  // An ACL holding only its own key (created from signing-key.pub by whoever reads it first).
  await authorize(stranger, [stranger]);
});

afterAll(() => tally.report());

async function mustRunGuix(daemon: Daemon, args: string[]) {
  const r = await daemon.guix(args);
  if (r.status !== 0) throw new Error(`guix ${args.join(' ')}: ${r.stderr}`);
  return r;
}

describe('guix archive --import through guix-daemon: our helper verifies as the real one', () => {
  const cases: { name: string; acl: () => ConfigDir; bundle: (b: Buffer) => Buffer; accepted: boolean }[] = [
    // Refusals first: they add nothing, so each case starts from the same store.
    { name: 'unauthorized key', acl: () => stranger, bundle: (b) => b, accepted: false },
    // The first item's contents: "one file (import)" or "base (import)".
    { name: 'flipped content byte', acl: () => trusting, bundle: (b) => flip(b, '(import)', -3), accepted: false },
    { name: 'corrupted signature', acl: () => trusting, bundle: (b) => flip(b, '(s #', 4), accepted: false },
    { name: 'authorized key', acl: () => trusting, bundle: (b) => b, accepted: true },
  ];
  it.each(cases)('$name', async ({ name, acl, bundle, accepted }) => {
    for (const [what, original] of Object.entries(bundles)) {
      const input = bundle(original);
      let ours: Daemon | undefined;
      let real: Daemon | undefined;
      try {
        ours = await startDaemon({ name: 'import-ours', config: acl(), helper: 'ours' });
        real = await startDaemon({ name: 'import-real', config: acl(), helper: 'real' });
        // Ours first: if it wrongly accepted, the real daemon would then see the item present.
        const mine = await ours.guix(['archive', '--import'], { input });
        const theirs = await real.guix(['archive', '--import'], { input });
        expect(theirs.status === 0, `${name}, ${what}: real helper: ${theirs.stderr}`).toBe(accepted);
        tally.compare(`${name} ${what}`, `${mine.status} ${mine.stderr}`, `${theirs.status} ${theirs.stderr}`);
        expect(mine.stderr, `${name}, ${what}`).toBe(theirs.stderr);
        expect(mine.status).toBe(theirs.status);
        if (!accepted) expect(theirs.stderr).toMatch(/error/);
        if (process.env.REAL_GUIX_SHOW) console.log(name, what, theirs.stderr);
      } finally {
        await stopAll([ours, real]);
      }
    }
  });
});
