// `keytool sexp`: in-process through the CLI wrapper, and end to end through the built bin/keytool
// (npm test builds first; run `node scripts/build.mjs` before running this file alone).
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { assertBuilt, keytool as runKeytool } from '../cli/support/run.js';
import { oracleFormat } from '../support/oracle.js';

const KEY = '(public-key (ecc (curve Ed25519) (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#)))';
const KEY_ADVANCED =
  '(public-key \n (ecc \n  (curve Ed25519)\n  (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#)\n  )\n )\n';

async function inProcess(argv: string[], chunks: (string | Buffer)[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const stdin = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));
  const code = await run(['sexp', ...argv], { stdin, stdout, stderr, env: { NO_COLOR: '1' } });
  return { code, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8') };
}

describe('keytool sexp (in process)', () => {
  it('prints the advanced form by default, as libgcrypt does, whatever the chunks', async () => {
    const r = await inProcess([], [KEY.slice(0, 20), KEY.slice(20, 21), KEY.slice(21)]);
    expect(r).toEqual({ code: 0, out: Buffer.from(KEY_ADVANCED, 'latin1'), err: '' });
  });

  it('prints canonical as raw bytes and transport as one line', async () => {
    const c = await inProcess(['--format', 'canonical'], ['(a "caf\xe9" #00ff#)\n']);
    expect(c.code).toBe(0);
    expect(c.out).toEqual(Buffer.from('(1:a4:caf\xe92:\x00\xff)', 'latin1'));
    const t = await inProcess(['-f', 'transport'], ['(a b)']);
    expect(t.out.toString('latin1')).toBe('{KDE6YTE6Yik=}\n');
    const back = await inProcess([], ['{KDE6YTE6Yik=}\n']);
    expect(back.out.toString('latin1')).toBe('(a b)\n');
  });

  it('reports malformed input with its offset on stderr, exit 1', async () => {
    const r = await inProcess([], ['(a #0#)']);
    expect(r).toEqual({ code: 1, out: Buffer.alloc(0), err: 'keytool: sexp: odd number of hex digits in hex atom at byte 5\n' });
    const t = await inProcess([], ['(a b) (c)']);
    expect(t.code).toBe(1);
    expect(t.err).toBe("keytool: sexp: unexpected '(' after the end of the S-expression (only one expression is read) at byte 6\n");
  });

  it('refuses an unknown format as misuse, exit 2', async () => {
    const r = await inProcess(['--format', 'xml'], ['(a)']);
    expect(r.code).toBe(2);
    expect(r.out.length).toBe(0);
    expect(r.err).toMatch(/--format/);
  });
});

describe('bin/keytool sexp (end to end)', () => {
  const keytool = (args: string[], input: string | Buffer) => {
    assertBuilt();
    const r = runKeytool(['sexp', ...args], { input });
    return { status: r.status, out: r.out, err: r.stderr };
  };

  it('converts a key between the three forms, byte for byte as libgcrypt prints it', () => {
    const adv = keytool([], KEY);
    expect(adv.status).toBe(0);
    expect(adv.err).toBe('');
    const gcry = oracleFormat('adv', Buffer.from(KEY));
    expect(gcry.ok && adv.out.equals(gcry.output)).toBe(true);
    const canon = keytool(['--format', 'canonical'], adv.out);
    const gcanon = oracleFormat('canon', Buffer.from(KEY));
    expect(gcanon.ok && canon.out.equals(gcanon.output)).toBe(true);
    const transport = keytool(['--format', 'transport'], canon.out);
    expect(transport.out.toString('latin1')).toMatch(/^\{[A-Za-z0-9+/=]+\}\n$/);
    expect(keytool([], transport.out).out.equals(adv.out)).toBe(true);
  });

  it('fails with the offset on stderr and exit 1', () => {
    const r = keytool([], '(a 99999999999:x)');
    expect(r.status).toBe(1);
    expect(r.out.length).toBe(0);
    expect(r.err).toBe('keytool: sexp: length prefix announces more than the limit of 16777216 bytes at byte 14\n');
  });
});
