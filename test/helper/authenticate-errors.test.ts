// Every error path of `keytool authenticate`, spawned as the daemon spawns it: the real helper's
// failure replies byte for byte, a 500 with a clear message (and the session going on) for each of
// its ten crash cases, malformed and oversized requests, the ACL's states, the log file.
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advancedString, parseSexp, printTransport } from '../../src/sexp/index.js';
import { assertBuilt, DaemonClient, keytoolBin, requestBytes, type Reply } from './daemon-client.js';
import { loadVectors, makeConfigDir, type ConfigDir } from './vectors.js';

const keys = loadVectors();
const ED = keys.findIndex((k) => k.label === 'ecdsa-ed25519');
const RSA = keys.findIndex((k) => k.label === 'rsa-2048');
const EDDSA = keys.findIndex((k) => k.label.startsWith('eddsa'));
const UNAUTHORIZED = keys.findIndex((k, i) => k.label === 'ecdsa-ed25519' && i !== ED);
const sigOf = (i: number, j = 0): Buffer => Buffer.from(keys[i]!.signatures[j]!.signature!, 'hex');
const hashOf = (i: number, j = 0): string => keys[i]!.signatures[j]!.hash;

let config: ConfigDir;
const clients: DaemonClient[] = [];

beforeAll(() => {
  assertBuilt();
  config = makeConfigDir(keys, { authorized: (k, i) => i !== UNAUTHORIZED && !k.label.startsWith('eddsa') });
});
afterAll(() => clients.forEach((c) => c.kill()));

const start = (options: Partial<Parameters<typeof DaemonClient.start>[0]> = {}): DaemonClient => {
  const c = DaemonClient.start({ configDir: config.dir, ...options });
  clients.push(c);
  return c;
};
const show = (r: Reply) => ({ code: r.code, payload: r.payload.toString('latin1') });
const ok = (payload: string) => ({ code: 0, payload });
const e500 = (payload: string) => ({ code: 500, payload });
const INVALID = { code: 404, payload: 'invalid command' };

/** One session: each request's reply, then the end: exit 0 and nothing after the last reply. */
async function session(requests: (string | Buffer)[], options?: Parameters<typeof start>[0]) {
  const c = start(options);
  const replies = [];
  for (const r of requests) replies.push(show(await c.request(r)));
  expect(await c.end()).toEqual({ status: 0, rest: Buffer.alloc(0) });
  return replies;
}

describe('the real helper’s own failure replies, byte for byte', () => {
  it('unknown commands and wrong numbers of arguments: 404 15:invalid command', async () => {
    expect(await session(['frobnicate 1:a\n', 'sign 1:a\n', 'verify\n', 'verify 1:a 1:b\n', 'SIGN 1:a 1:b\n', '\n'])).toEqual(Array(6).fill(INVALID));
  });

  it("a missing key file: failed to load key pair at 'KEYFILE': No such file or directory", async () => {
    const missing = path.join(config.dir, 'nothing-here.sec');
    // The real helper names the .sec file even when it is the .pub that is missing.
    const lonely = path.join(config.dir, 'lonely.sec');
    writeFileSync(lonely, readFileSync(config.secretKey(ED)));
    expect(await session([requestBytes('sign', missing, hashOf(ED)), requestBytes('sign', lonely, hashOf(ED))])).toEqual([
      e500(`failed to load key pair at '${missing}': No such file or directory\n`),
      e500(`failed to load key pair at '${lonely}': No such file or directory\n`),
    ]);
  });

  it('a key file that is a directory: strerror as C says it', async () => {
    const dir = path.join(config.dir, 'dir.sec');
    mkdirSync(dir, { recursive: true });
    expect(await session([requestBytes('sign', dir, hashOf(ED))])).toEqual([e500(`failed to load key pair at '${dir}': Is a directory\n`)]);
  });

  it('verify: corrupt, unauthorized and invalid signatures, with the advanced form', async () => {
    const good = sigOf(ED);
    const noData = Buffer.from(good.toString('latin1').replace('(data', '(datum'), 'latin1');
    const noKey = Buffer.from(good.toString('latin1').replace('(public-key', '(public-kee'), 'latin1');
    const unauthorized = sigOf(UNAUTHORIZED);
    // Another s: a well-formed signature that does not verify.
    const text = good.toString('latin1');
    const tampered = Buffer.from(text.replace(/\(s #([0-9A-F])/, (_m, c: string) => `(s #${c === '1' ? '2' : '1'}`), 'latin1');
    expect(tampered.equals(good)).toBe(false);
    const noSigVal = Buffer.from(text.replace('(sig-val', '(sig-vaI'), 'latin1');
    const adv = (b: Buffer) => advancedString(parseSexp(b));
    const unauthorizedKey = advancedString((parseSexp(unauthorized) as { items: readonly unknown[] }).items[3] as never);
    expect(await session([requestBytes('verify', 'wrong'), requestBytes('verify', noData), requestBytes('verify', noKey), requestBytes('verify', unauthorized), requestBytes('verify', tampered), requestBytes('verify', noSigVal), requestBytes('verify', good)])).toEqual([
      e500('corrupt signature data: ()\n'),
      e500(`corrupt signature data: ${adv(noData)}`),
      e500(`corrupt signature data: ${adv(noKey)}`),
      e500(`unauthorized public key: ${unauthorizedKey}`),
      e500(`invalid signature: ${adv(tampered)}`),
      e500(`invalid signature: ${adv(noSigVal)}`),
      ok(hashOf(ED)),
    ]);
    expect(unauthorizedKey.startsWith('(public-key \n (ecc \n  (curve Ed25519)\n')).toBe(true);
  });

  it('the exact texts for 5:wrong', async () => {
    const c = start();
    c.write('verify 5:wrong\n');
    const r = await c.readReply();
    expect(Buffer.concat([Buffer.from(`${r.code} ${r.payload.length}:`), r.payload]).toString('latin1')).toBe('500 27:corrupt signature data: ()\n');
    await c.end();
  });
});

describe('signatures libgcrypt does not read', () => {
  it('a good signature in our transport form {base64}: corrupt signature data, as the real helper cannot read it', async () => {
    const transport = Buffer.from(printTransport(parseSexp(sigOf(ED))));
    expect(await session([requestBytes('verify', transport), requestBytes('verify', sigOf(ED))])).toEqual([
      e500("corrupt signature data: not an S-expression: unexpected '{': the transport form {base64} is not read here (libgcrypt does not read it) at byte 0\n"),
      ok(hashOf(ED)),
    ]);
  });
});

describe('the ten cases where the real helper crashes: 500, and the session goes on', () => {
  it('each one, then a good request in the same session', async () => {
    const ed = config.secretKey(ED);
    const pgp = path.join(config.dir, 'openpgp.sec');
    writeFileSync(pgp, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEX...\n-----END PGP PUBLIC KEY BLOCK-----\n');
    writeFileSync(path.join(config.dir, 'openpgp.pub'), readFileSync(path.join(config.dir, `key-${ED}.pub`)));
    // café×8: every hash byte a Latin-1 letter, so the hash prints as a quoted string.
    const cafeIndex = keys[ED]!.signatures.findIndex((s) => s.hash === '636166e9'.repeat(8));
    expect(cafeIndex).toBeGreaterThanOrEqual(0);
    const good = requestBytes('sign', ed, hashOf(ED));
    const cases: [string, Buffer | string, RegExp][] = [
      ['a hash that is not hexadecimal', requestBytes('sign', ed, 'zzzz'), /^sign: the hash 'zzzz' is not hexadecimal\n$/],
      ['an odd number of hex digits', requestBytes('sign', ed, 'abc'), /^sign: the hash 'abc' has an odd number of hexadecimal digits\n$/],
      ['a hash of the wrong length for an RSA key', requestBytes('sign', config.secretKey(RSA), 'abcd'), /^cannot sign with the key at '.*': "hash" expected 32 bytes \(SHA-256\), got 2\n$/],
      ['a signature text with unbalanced parentheses', requestBytes('verify', '(signature (data'), /^corrupt signature data: not an S-expression: .+\n$/],
      ['a key file that is not an S-expression (OpenPGP)', requestBytes('sign', pgp, hashOf(ED)), /^failed to load key pair at '.*openpgp\.sec': .+\n$/],
      ['an EdDSA key', requestBytes('sign', config.secretKey(EDDSA), hashOf(ED)), /^failed to load key pair at '.*': EdDSA keys cannot sign Guix's data .*\n$/],
      ['a declared length not followed by that many bytes', 'sign 3:abcdef 4:zzzz\n', /^malformed request 'sign' at byte \d+: argument 1 is followed by 'd' instead of a space or the end of the line .*\n$/],
      ['a bare command word ending its line', 'sign\n', /^invalid command$/],
      ['an unknown command (404, and nothing on stderr)', 'frobnicate\n', /^invalid command$/],
    ];
    const requests: (string | Buffer)[] = [];
    for (const [, request] of cases) requests.push(request, good);
    // An empty line followed by another request (the real helper crashes on the second).
    requests.push('\n', good);
    // Verifying a signature whose hash bytes are all letters: the real helper cannot verify its own.
    requests.push(requestBytes('verify', sigOf(ED, cafeIndex)));
    const replies = await session(requests);
    const goodReply = replies[1]!;
    expect(goodReply.code).toBe(0);
    cases.forEach(([what, , pattern], i) => {
      expect(replies[2 * i]!.code, what).toBe(pattern.source.includes('invalid command') ? 404 : 500);
      expect(replies[2 * i]!.payload, what).toMatch(pattern);
      expect(replies[2 * i + 1], `${what}: the next request`).toEqual(goodReply);
    });
    expect(replies.slice(-3)).toEqual([INVALID, goodReply, ok('636166e9'.repeat(8))]);
    // café×8 is printed as a Latin-1 quoted string inside the signature.
    expect(sigOf(ED, cafeIndex).toString('latin1')).toContain('(hash sha256 "caf\xe9caf\xe9');
  });

  it('a huge, lying length: 500 without allocating, then the session ends cleanly (exit 0)', async () => {
    const c = start();
    c.write(`${requestBytes('sign', config.secretKey(ED), hashOf(ED)).toString('latin1')}verify 99999999999:abc\nsign 1:a 1:b\n`);
    expect(show(await c.readReply()).code).toBe(0);
    // Stopped at the 7th digit ('verify ' + 9999999 > 1 MiB), before any allocation.
    const at = requestBytes('sign', config.secretKey(ED), hashOf(ED)).length + 'verify 999999'.length;
    expect(show(await c.readReply())).toEqual(e500(`request 'verify' at byte ${at}: argument 1 declares more than 1048576 bytes (the limit); ending the session\n`));
    expect(await c.end()).toEqual({ status: 0, rest: Buffer.alloc(0) });
  });

  it('end of input in the middle of a request: no reply, exit 0', async () => {
    for (const tail of ['verify 10:abc', 'sign', 'sign 5', 'sign 3:abc', 'sign 3:abc ']) {
      const c = start();
      c.write(tail);
      expect(await c.end()).toEqual({ status: 0, rest: Buffer.alloc(0) });
    }
  });

  it('requests sent all at once are answered in order (no lock-step needed)', async () => {
    const c = start();
    c.write(Buffer.concat([requestBytes('verify', sigOf(ED, 1)), Buffer.from('x\n'), requestBytes('verify', sigOf(RSA, 2))]));
    expect([show(await c.readReply()), show(await c.readReply()), show(await c.readReply())]).toEqual([ok(hashOf(ED, 1)), INVALID, ok(hashOf(RSA, 2))]);
    await c.end();
  });
});

describe('the ACL', () => {
  it('malformed: every verify fails saying why, sign keeps working', async () => {
    const cfg = makeConfigDir(keys, { acl: false });
    writeFileSync(path.join(cfg.dir, 'acl'), '(acl (entry (public-key (ecc (curve Ed25519) (q #00#))) (tag (guix export))))\n');
    const replies = await session([requestBytes('verify', sigOf(ED)), requestBytes('sign', cfg.secretKey(ED), hashOf(ED)), requestBytes('verify', sigOf(ED))], { configDir: cfg.dir });
    expect(replies[0]).toEqual(e500(`cannot verify signatures: the access-control list is unusable: invalid access-control list ${cfg.dir}/acl: entry 1 is not tagged (tag (guix import))\n`));
    expect(replies[1]).toEqual(ok(sigOf(ED).toString('latin1')));
    expect(replies[2]).toEqual(replies[0]);
  });

  it('not an S-expression, or unreadable: the same', async () => {
    const cfg = makeConfigDir(keys, { acl: false });
    writeFileSync(path.join(cfg.dir, 'acl'), '(acl (entry');
    const [r] = await session([requestBytes('verify', sigOf(ED))], { configDir: cfg.dir });
    expect(r!.payload).toMatch(new RegExp(`^cannot verify signatures: the access-control list is unusable: invalid access-control list ${cfg.dir}/acl: .+\\n$`));
    rmSync(path.join(cfg.dir, 'acl'));
    mkdirSync(path.join(cfg.dir, 'acl'));
    const [d] = await session([requestBytes('verify', sigOf(ED))], { configDir: cfg.dir });
    expect(d!.payload).toMatch(/^cannot verify signatures: the access-control list is unusable: cannot read the access-control list .*acl: is a directory; give a file\n$/);
  });

  it('missing: created from signing-key.pub (mode 0644) as Guix does, then used', async () => {
    const cfg = makeConfigDir(keys, { acl: false });
    const replies = await session([requestBytes('verify', sigOf(ED)), requestBytes('verify', sigOf(RSA))], { configDir: cfg.dir });
    expect(replies[0]).toEqual(ok(hashOf(ED)));
    expect(replies[1]!.payload).toMatch(/^unauthorized public key: \(public-key \n \(rsa /);
    expect(statSync(path.join(cfg.dir, 'acl')).mode & 0o777).toBe(0o644);
    expect(readFileSync(path.join(cfg.dir, 'acl'), 'latin1')).toMatch(/^\(acl \n \(entry \n  \(public-key \n/);
  });

  it('missing, and no signing-key.pub either: nothing is authorized', async () => {
    const cfg = makeConfigDir(keys, { acl: false });
    rmSync(path.join(cfg.dir, 'signing-key.pub'));
    const [r] = await session([requestBytes('verify', sigOf(ED))], { configDir: cfg.dir });
    expect(r!.payload).toMatch(/^unauthorized public key: /);
    expect(existsSync(path.join(cfg.dir, 'acl'))).toBe(false);
  });

  it('$GUIX_CONFIGURATION_DIRECTORY unset: /etc/guix (missing here) means an empty ACL, no crash', async () => {
    const c = DaemonClient.start({ configDir: '', env: { GUIX_CONFIGURATION_DIRECTORY: undefined } });
    clients.push(c);
    const r = show(await c.request(requestBytes('verify', sigOf(ED))));
    expect(r.code).toBe(500);
    await c.end();
  });
});

describe('outside the protocol', () => {
  it('--help and --version print on stdout and exit 0', () => {
    const help = spawnSync(keytoolBin(), ['authenticate', '--help'], { encoding: 'latin1' });
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: keytool authenticate\n/);
    const version = spawnSync(keytoolBin(), ['authenticate', '--version'], { encoding: 'latin1' });
    expect([version.status, version.stderr, version.stdout]).toEqual([0, '', 'keytool authenticate 0.1.0\n']);
    const bundle = spawnSync(keytoolBin(), ['authenticate', '--version'], { encoding: 'latin1', env: { ...process.env, KEYTOOL_NODE: process.execPath } });
    expect(bundle.stdout).toBe(version.stdout);
  });

  it('other arguments: a person, told on stderr, exit 2', () => {
    const r = spawnSync(keytoolBin(), ['authenticate', '--frob'], { encoding: 'latin1', input: '' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('wrong arguments');
  });

  it('KEYTOOL_AUTHENTICATE_LOG: one line per request, appended; an unusable log is never fatal', async () => {
    const log = path.join(config.dir, 'helper.log');
    await session([requestBytes('sign', config.secretKey(ED), hashOf(ED)), 'frob\n', requestBytes('verify', 'wrong')], { env: { KEYTOOL_AUTHENTICATE_LOG: log } });
    const lines = readFileSync(log, 'latin1').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT.*Z \[\d+\] start: \d+ authorized key\(s\) in /);
    expect(lines[1]).toMatch(/#1 sign -> 0$/);
    expect(lines[2]).toMatch(/#2 frob -> 404 /);
    expect(lines[3]).toMatch(/#3 verify -> 500 .*corrupt signature data: \(\)\\n/);
    expect(lines[4]).toMatch(/end of input$/);
    // A directory as the log: still a clean session, still nothing but replies.
    expect(await session([requestBytes('verify', sigOf(ED))], { env: { KEYTOOL_AUTHENTICATE_LOG: config.dir } })).toEqual([ok(hashOf(ED))]);
    chmodSync(config.dir, 0o755);
  });
});
