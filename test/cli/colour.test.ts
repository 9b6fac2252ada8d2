// Colour only on a terminal with NO_COLOR unset (clig.dev), checked in-process with fake streams.
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { exampleConfig } from './support/run.js';

function fakeStream(isTTY: boolean): PassThrough & { isTTY: boolean; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text: () => string };
  let buf = '';
  s.on('data', (d: Buffer) => (buf += d.toString()));
  s.isTTY = isTTY;
  s.text = () => buf;
  return s;
}

async function list(isTTY: boolean, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = exampleConfig('colour');
  const stdout = fakeStream(isTTY);
  const status = await run(['list', '--config-dir', dir], { stdin: new PassThrough(), stdout, stderr: fakeStream(isTTY), env });
  expect(status).toBe(0);
  return stdout.text();
}

describe('keytool list colour', () => {
  it('is used on a terminal', async () => expect(await list(true, { TERM: 'xterm' })).toContain('\x1b[1m'));
  it('is never used when NO_COLOR is set', async () => expect(await list(true, { TERM: 'xterm', NO_COLOR: '1' })).not.toContain('\x1b['));
  it('is never used on a pipe or with TERM=dumb', async () => {
    expect(await list(false, { TERM: 'xterm' })).not.toContain('\x1b[');
    expect(await list(true, { TERM: 'dumb' })).not.toContain('\x1b[');
  });
});
