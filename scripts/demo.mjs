// `npm run demo`: the main job on the example keys. Plays guix-daemon's part against
// `keytool authenticate` (pipes, lock-step, working directory /) on a copy of keys-example/:
// sign an archive hash, verify the signature, then two verifications that must fail.
// Also lists the copy's ACL. Nothing outside a temporary directory is touched.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keytool = path.join(root, 'bin', 'keytool');
const dir = mkdtempSync(path.join(tmpdir(), 'keytool-demo-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
cpSync(path.join(root, 'keys-example'), dir, { recursive: true });
const env = { ...process.env, GUIX_CONFIGURATION_DIRECTORY: dir };

console.log(`$ keytool list            # the ACL of a copy of keys-example/ in ${dir}`);
process.stdout.write(execFileSync(keytool, ['list'], { env }));

// The daemon's side of the protocol: one request, then exactly one reply `CODE LEN:BYTES`.
const helper = spawn(keytool, ['authenticate'], { cwd: '/', env, stdio: ['pipe', 'pipe', 'pipe'] });
let pending = Buffer.alloc(0);
let wake = () => {};
helper.stdout.on('data', (d) => { pending = Buffer.concat([pending, d]); wake(); });
helper.stderr.on('data', (d) => { console.error(`helper wrote to stderr (it never should): ${d}`); process.exitCode = 1; });
const arg = (b) => `${Buffer.byteLength(b, 'latin1')}:${b}`;
async function request(words) {
  helper.stdin.write(Buffer.from(`${words[0]} ${words.slice(1).map(arg).join(' ')}\n`, 'latin1'));
  for (;;) {
    const m = /^(\d+) (\d+):/.exec(pending.toString('latin1', 0, 32));
    if (m && pending.length >= m[0].length + Number(m[2])) {
      const payload = pending.subarray(m[0].length, m[0].length + Number(m[2])).toString('latin1');
      pending = pending.subarray(m[0].length + Number(m[2]));
      return { code: Number(m[1]), payload };
    }
    await new Promise((r) => (wake = r));
  }
}
const show = (label, reply) => console.log(`\n${label}\n=> ${reply.code} ${reply.payload.trimEnd().split('\n').join('\n   ')}`);
let ok = true;
const expect = (cond, what) => { if (!cond) { ok = false; console.log(`!! unexpected: ${what}`); } };

const hash = createHash('sha256').update(readFileSync(path.join(root, 'keys-example', 'README.md'))).digest('hex');
const secret = path.join(dir, 'signing-key.sec');
const signed = await request(['sign', secret, hash]);
show(`sign ${secret} ${hash}   # what the daemon sends for each exported item`, signed);
expect(signed.code === 0 && signed.payload.startsWith('(signature \n'), 'sign did not succeed');

const verified = await request(['verify', signed.payload]);
show('verify <that signature>   # what the daemon sends for each imported item', verified);
expect(verified.code === 0 && verified.payload === hash, 'verify did not return the hash');

const tampered = signed.payload.replace(/\(s #([0-9A-F])/, (_m, c) => `(s #${c === '1' ? '2' : '1'}`);
const bad = await request(['verify', tampered]);
show('verify <the signature with s changed>', { code: bad.code, payload: bad.payload.split('\n')[0] + ' ...' });
expect(bad.code === 500 && bad.payload.startsWith('invalid signature: '), 'tampered signature accepted');

const rsa = await request(['sign', path.join(dir, 'rsa', 'signing-key.sec'), hash]);
const stranger = await request(['verify', rsa.payload]);
show('verify <a signature by rsa/signing-key, which the ACL does not hold>', { code: stranger.code, payload: stranger.payload.split('\n')[0] + ' ...' });
expect(stranger.code === 500 && stranger.payload.startsWith('unauthorized public key: '), 'unauthorized key accepted');

helper.stdin.end();
const status = await new Promise((r) => helper.on('close', r));
expect(status === 0, `helper exited with ${status}`);
console.log(`\nhelper exited with status ${status} at end of input`);
console.log(ok ? 'demo: every reply as guix-daemon expects' : 'demo: FAILED');
if (!ok) process.exitCode = 1;
