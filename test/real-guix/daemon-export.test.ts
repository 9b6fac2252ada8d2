// The real guix-daemon with our helper signs exports byte for byte as with the real helper:
// `guix archive --export` of one file, a tree (executable, symlinks), and a closure with
// references, for a daemon key of every type we support, made by Guix and by keytool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStore, makeConfigDir, startDaemon, stopAll, type Daemon, type KeyMaker } from './support/daemon.js';
import { addSampleItems, type SampleItems } from './support/items.js';
import { onHost } from './support/root.js';
import { Tally } from './support/tally.js';
import { readFileSync } from 'node:fs';

const KEYS: { name: string; keys: KeyMaker; parameters?: string }[] = [
  { name: 'ed25519-keytool', keys: 'keytool' },
  { name: 'ed25519-guix', keys: 'guix' },
  { name: 'p256-guix', keys: 'guix', parameters: '(genkey (ecdsa (curve "NIST P-256")))' },
  { name: 'p384-keytool', keys: 'keytool', parameters: '(genkey (ecdsa (curve "NIST P-384")))' },
  { name: 'p521-guix', keys: 'guix', parameters: '(genkey (ecdsa (curve "NIST P-521")))' },
  { name: 'rsa2048-keytool', keys: 'keytool', parameters: '(genkey (rsa (nbits 4:2048)))' },
  { name: 'rsa4096-guix', keys: 'guix', parameters: '(genkey (rsa (nbits 4:4096)))' },
];

const tally = new Tally('daemon-export');
let items: SampleItems;

beforeAll(async () => {
  await freshStore('root');
  const config = await makeConfigDir('export-items', { keys: 'guix' });
  const daemon = await startDaemon({ name: 'export-items', config, helper: 'real' });
  try {
    items = await addSampleItems(daemon, 'export');
  } finally {
    await daemon.stop();
  }
});

afterAll(() => tally.report());

describe('guix archive --export through guix-daemon: our helper signs as the real one', () => {
  it.each(KEYS)('$name key', async ({ name, keys, parameters }) => {
    const config = await makeConfigDir(`export-${name}`, { keys, ...(parameters ? { parameters } : {}) });
    const log = `${config.dir}/helper.log`;
    let real: Daemon | undefined;
    let ours: Daemon | undefined;
    try {
      [real, ours] = await Promise.all([
        startDaemon({ name: `export-${name}-real`, config, helper: 'real' }),
        startDaemon({ name: `export-${name}-ours`, config, helper: 'ours', env: { KEYTOOL_AUTHENTICATE_LOG: log } }),
      ]);
      const exports: [string, string[]][] = [
        ['one file', [items.one]],
        ['tree', [items.tree]],
        ['closure', ['-r', items.top]],
      ];
      for (const [what, args] of exports) {
        const [theirs, mine] = await Promise.all([real, ours].map((d) => d!.guix(['archive', '--export', ...args])));
        expect(theirs!.stderr, `real helper, ${name}, ${what}`).toBe('');
        expect(theirs!.status).toBe(0);
        expect(mine!.stderr, `our helper, ${name}, ${what}`).toBe('');
        expect(mine!.status).toBe(0);
        const same = tally.compare(`${name} ${what}`, mine!.stdout, theirs!.stdout);
        expect(same, `${name} ${what}: our export differs from the real helper's`).toBe(true);
      }
      // Our helper did the signing: one `sign` per exported item (1 + 1 + the closure of top: 4).
      const signs = readFileSync(onHost(log), 'utf8').match(/#\d+ sign -> 0$/gm) ?? [];
      expect(signs.length, readFileSync(onHost(log), 'utf8')).toBe(6);
    } finally {
      await stopAll([real, ours]);
    }
  });
});
