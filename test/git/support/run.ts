// Run the git commands in-process (as the CLI does) and capture what they print.
import { Writable } from 'node:stream';
import { gitAuthenticate, gitAuthorizations, type AuthenticateArgs, type AuthorizationsArgs, type GitIO } from '../../../src/git/cli.js';
import type { TestRepo } from './repo.js';

export interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) { (w as unknown as { text: string }).text += chunk.toString(); cb(); },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function capture(repo: TestRepo, run: (io: GitIO) => Promise<number>): Promise<Captured> {
  const stdout = sink();
  const stderr = sink();
  const status = await run({ stdout, stderr, env: repo.env, cwd: repo.dir });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

export function authenticate(repo: TestRepo, args: string[], options: Partial<AuthenticateArgs> = {}): Promise<Captured> {
  return capture(repo, (io) => gitAuthenticate(io, { args, stats: false, ...options }));
}

export function authorizationsCommand(repo: TestRepo, a: Partial<AuthorizationsArgs> & Pick<AuthorizationsArgs, 'action'>): Promise<Captured> {
  return capture(repo, (io) => gitAuthorizations(io, { force: false, json: false, ...a }));
}

/** Guix's display of a fingerprint. */
export function fmt(f: string): string {
  const g = f.toUpperCase().match(/.{4}/g)!;
  return `${g.slice(0, 5).join(' ')}  ${g.slice(5).join(' ')}`;
}
