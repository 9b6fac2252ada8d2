// `keytool substitutes check` as a run: the progress display on a terminal (and nothing but the
// verdicts otherwise), and a run over 3,000 items from --items-from, interrupted with SIGINT and
// resumed with --state. The server is on 127.0.0.1 in this process; it signs each narinfo when
// first asked for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { loadKeyPair, type KeyPair } from '../../src/crypto/index.js';
import { toNixBase32 } from '../../src/nar/base32.js';
import { signNarinfo } from '../../src/nar/narinfo.js';
import { scratch, sink } from '../nar/helpers.js';
import { aclText } from '../nar/keys.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEYTOOL = path.join(REPO, 'bin/keytool');
const ITEMS = 3000;

const sha = (b: Uint8Array): string => `sha256:${toNixBase32(createHash('sha256').update(b).digest())}`;
/** The hash part of item `i`: 32 Nix base32 characters, distinct for every i. */
const hashOf = (i: number): string => toNixBase32(createHash('sha256').update(`item ${i}`).digest()).slice(0, 32);

let work: string;
let server: http.Server;
let base: string;
let pair: KeyPair;
let slow = 0; // ms each nar takes, for the progress test
const byHash = new Map<string, number>();
const signed = new Map<number, string>();

function narOf(i: number): Buffer {
  return Buffer.from(`nix-archive-1 item ${i} ${'x'.repeat(i % 97)}`);
}

beforeAll(async () => {
  work = scratch('substitutes-runs');
  cpSync(path.join(REPO, 'keys-example'), path.join(work, 'conf'), { recursive: true });
  pair = loadKeyPair(path.join(work, 'conf', 'signing-key.sec'));
  writeFileSync(path.join(work, 'acl'), aclText([readFileSync(path.join(work, 'conf', 'signing-key.pub'), 'utf8')]));
  const lines: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    byHash.set(hashOf(i), i);
    lines.push(`/gnu/store/${hashOf(i)}-item-${i}`);
  }
  writeFileSync(path.join(work, 'items.txt'), `# ${ITEMS} items\n${lines.join('\n')}\n`);
  server = http.createServer((req, res) => {
    const info = /^\/([0-9a-z]{32})\.narinfo$/.exec(req.url ?? '');
    const nar = /^\/nar\/([0-9a-z]{32})-item-\d+$/.exec(req.url ?? '');
    const i = byHash.get((info ?? nar)?.[1] ?? '');
    if (i === undefined) return res.writeHead(404).end();
    if (info) {
      let text = signed.get(i);
      if (!text) {
        const body = narOf(i);
        text = signNarinfo(`StorePath: /gnu/store/${hashOf(i)}-item-${i}\nNarHash: ${sha(body)}\nNarSize: ${body.length}\nReferences: \nURL: nar/${hashOf(i)}-item-${i}\nCompression: none\n`, pair, 'test');
        signed.set(i, text);
      }
      return res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text);
    }
    const body = narOf(i);
    res.writeHead(200, { 'content-length': body.length });
    if (slow) setTimeout(() => res.end(body), slow);
    else res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** `keytool substitutes check ARGS` in this process, with stderr a terminal or not. */
async function inProcess(args: string[], stderrTTY: boolean) {
  const stdout = sink(false);
  const stderr = sink(stderrTTY);
  const status = await run(['substitutes', 'check', '--config-dir', path.join(work, 'conf'), '--acl', path.join(work, 'acl'), ...args], { stdin: Readable.from([]) as never, stdout, stderr, env: { NO_COLOR: '1' } });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

describe('progress', () => {
  it('on a terminal: items, failures, bytes and rate on stderr, cleared before the summary', async () => {
    slow = 150;
    try {
      const r = await inProcess(['--contents', '--jobs', '2', base, hashOf(1), hashOf(2), hashOf(3), '0000000000000000000000000000000z'], true);
      expect(r.status).toBe(1);
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(4);
      expect(r.stdout).not.toContain('\x1b');
      // One line redrawn in place: \r, clear to the end of the line, the counts.
      expect(r.stderr).toMatch(/\r\x1b\[Kchecked [1-4] items?, 1 failed, \d+(\.\d)? (B|KiB) at \d+(\.\d)? (B|KiB|MiB)\/s/);
      expect(r.stderr).toMatch(/\r\x1b\[K4 items checked \(narinfos and nars\): 3 valid, 1 not-found \(ACL: .*\)\n$/);
    } finally {
      slow = 0;
    }
  }, 30_000);

  it('not on a terminal: nothing but the verdicts (and the summary, or with --json nothing at all)', async () => {
    slow = 150;
    try {
      const r = await inProcess(['--contents', base, hashOf(1), hashOf(2)], false);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^2 items checked \(narinfos and nars\): 2 valid \(ACL: .*\)\n$/);
      const j = await inProcess(['--contents', '--json', base, hashOf(1), hashOf(2)], false);
      expect(j.status).toBe(0);
      expect(j.stderr).toBe('');
      expect(j.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { status: string }).status)).toEqual(['valid', 'valid']);
    } finally {
      slow = 0;
    }
  }, 30_000);
});

interface Spawned { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Spawn bin/keytool; `interrupt` says when to send SIGINT (polled every 20 ms). */
function spawnKeytool(args: string[], interrupt?: () => boolean): Promise<Spawned> {
  return new Promise((resolve) => {
    const child = spawn(KEYTOOL, args, { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const poll = interrupt ? setInterval(() => {
      if (interrupt()) {
        child.kill('SIGINT');
        clearInterval(poll);
      }
    }, 20) : undefined;
    child.on('close', (status, signal) => {
      if (poll) clearInterval(poll);
      resolve({ status, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

const stateLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe(`a run over ${ITEMS} items from --items-from`, () => {
  it('stopped by SIGINT half-way leaves a consistent state file, and the next run does only the rest', async () => {
    const state = path.join(work, 'run.state');
    const args = ['substitutes', 'check', '--contents', '--jobs', '4', '--config-dir', 'conf', '--acl', 'acl', '--state', 'run.state', '--items-from', 'items.txt', base];
    const first = await spawnKeytool(args, () => stateLines(state).length >= ITEMS / 3);
    expect(first.signal ?? first.status, first.stderr).toMatch(/^(SIGINT|130)$/);
    expect(first.stderr).toMatch(/^keytool: substitutes check: interrupted after \d+ items checked; run the same command to go on: the items found valid are in run\.state\n$/);
    // Every line of the state file is whole, names an item of the list and says it is valid.
    const recorded = stateLines(state).map((l) => JSON.parse(l) as { item: string; status: string });
    expect(recorded.length).toBeGreaterThanOrEqual(ITEMS / 3);
    expect(recorded.length).toBeLessThan(ITEMS);
    expect(readFileSync(state, 'utf8').endsWith('\n')).toBe(true);
    for (const r of recorded) {
      expect(r.status).toBe('valid');
      expect(byHash.has(r.item.slice(base.length + 1, base.length + 33))).toBe(true);
    }
    const done = new Set(recorded.map((r) => r.item));
    expect(done.size).toBe(recorded.length);
    // What the first run printed is what it recorded (a verdict line per item, written first).
    const printed = first.stdout.split('\n').filter(Boolean);
    expect(printed.length).toBeGreaterThanOrEqual(recorded.length);

    const second = await spawnKeytool(args);
    expect(second.status, second.stderr).toBe(0);
    const rest = second.stdout.split('\n').filter(Boolean);
    expect(rest).toHaveLength(ITEMS - done.size);
    for (const line of rest) {
      expect(line).toMatch(/\.narinfo: valid \(signed by .*; nar checked: none \d+ B\)$/);
      expect(done.has(line.slice(0, line.indexOf('.narinfo: ') + '.narinfo'.length))).toBe(false);
    }
    expect(second.stderr).toBe(`${ITEMS - done.size} items checked (narinfos and nars): ${ITEMS - done.size} valid, ${done.size} skipped (valid in run.state) (ACL: acl)\n`);
    // Now the state file lists every item once.
    const all = new Set(stateLines(state).map((l) => (JSON.parse(l) as { item: string }).item));
    expect(all.size).toBe(ITEMS);
    expect(stateLines(state)).toHaveLength(ITEMS);
  }, 240_000);
});
