// The signature-checking worker pool when a worker dies: its batches are answered "not verified"
// (the caller then re-checks them in its own thread), it leaves the rotation, and nothing waits
// forever on it.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { afterEach, expect, it } from 'vitest';
import { VerifyPool } from '../../src/git/verify-pool.js';
import type { VerifyJob } from '../../src/git/openpgp/index.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const data = new TextEncoder().encode('a commit');
const job = (signature: Uint8Array): VerifyJob => ({
  algorithm: null,
  data,
  signature,
  keyId: 'k',
  key: publicKey.export({ format: 'jwk' }),
  dsa: false,
});
const good = job(sign(null, data, privateKey));

let pool: VerifyPool | undefined;
afterEach(() => pool?.close());

const workersOf = (p: VerifyPool): Worker[] => (p as unknown as { workers: Worker[] }).workers;

it('verifies on a worker', async () => {
  pool = new VerifyPool(1);
  expect(await pool.verify(good)).toBe(true);
});

it('a dead worker leaves the rotation; its jobs and later ones are answered, not left waiting', async () => {
  pool = new VerifyPool(2);
  const [first, second] = workersOf(pool);
  first!.emit('error', new Error('worker died'));
  await first!.terminate();
  // Rotation now has only the healthy worker: real answers.
  expect(await Promise.all([pool.verify(good), pool.verify(job(new Uint8Array(64)))])).toEqual([true, false]);
  second!.emit('error', new Error('worker died'));
  await second!.terminate();
  // No worker left: "not verified" at once, for the caller to check in its own thread.
  expect(await pool.verify(good)).toBe(false);
});
