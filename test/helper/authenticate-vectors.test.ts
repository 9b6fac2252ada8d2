// `keytool authenticate` spawned exactly as guix-daemon spawns it (pipes, lock-step, cwd /, stderr
// on the reply pipe), over every libgcrypt-made signature in test/fixtures/signatures.json:
// `sign` replies are byte-identical to the real helper's, `verify` returns each signed hash. Both
// ways of starting (the V8 snapshot and the plain bundle) must give the same bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, DaemonClient, requestBytes, type Launch } from './daemon-client.js';
import { loadVectors, makeConfigDir, type ConfigDir } from './vectors.js';

const keys = loadVectors();
let config: ConfigDir;
const clients: DaemonClient[] = [];

beforeAll(() => {
  config = makeConfigDir(keys);
});
afterAll(() => clients.forEach((c) => c.kill()));

/** Every request of the vector session and its expected reply. */
function script(): { request: Buffer; expect: (r: { code: number; payload: Buffer }) => void }[] {
  const steps: ReturnType<typeof script> = [];
  keys.forEach((k, i) => {
    for (const s of k.signatures) {
      if (s.signature !== undefined) {
        const sig = Buffer.from(s.signature, 'hex');
        steps.push({
          request: requestBytes('sign', config.secretKey(i), s.hash),
          expect: (r) => expect({ code: r.code, payload: r.payload.toString('latin1') }, `${k.label} sign ${s.hash}`).toEqual({ code: 0, payload: sig.toString('latin1') }),
        });
        steps.push({
          request: requestBytes('verify', sig),
          expect: (r) => expect({ code: r.code, payload: r.payload.toString('latin1') }, `${k.label} verify ${s.hash}`).toEqual({ code: 0, payload: s.hash }),
        });
      } else {
        // The EdDSA key: libgcrypt cannot sign Guix's data with it; the real helper crashes.
        steps.push({
          request: requestBytes('sign', config.secretKey(i), s.hash),
          expect: (r) => {
            expect(r.code).toBe(500);
            expect(r.payload.toString('latin1')).toMatch(new RegExp(`^failed to load key pair at '${config.secretKey(i)}': EdDSA keys cannot sign Guix's data.*\\n$`));
          },
        });
      }
    }
  });
  return steps;
}

async function runSession(launch: Launch): Promise<Buffer[]> {
  assertBuilt();
  const client = DaemonClient.start({ configDir: config.dir, launch });
  clients.push(client);
  const replies: Buffer[] = [];
  for (const step of script()) {
    const r = await client.request(step.request);
    step.expect(r);
    replies.push(Buffer.concat([Buffer.from(`${r.code} ${r.payload.length}:`), r.payload]));
  }
  const end = await client.end();
  expect(end).toEqual({ status: 0, rest: Buffer.alloc(0) });
  return replies;
}

describe('every vector, as the daemon sends them', () => {
  let snapshotReplies: Buffer[];
  it('through the start-up snapshot (bin/keytool authenticate)', async () => {
    snapshotReplies = await runSession('snapshot');
    expect(snapshotReplies.length).toBe(keys.reduce((n, k) => n + k.signatures.reduce((m, s) => m + (s.signature ? 2 : 1), 0), 0));
  });

  it('through the plain bundle, byte for byte the same replies', async () => {
    const bundleReplies = await runSession('bundle');
    expect(Buffer.concat(bundleReplies).equals(Buffer.concat(snapshotReplies))).toBe(true);
  });
});
