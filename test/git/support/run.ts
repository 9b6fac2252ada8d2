// Run the git commands in-process (as the CLI does) and capture what they print.
import { Writable } from 'node:stream';
import { gitAuthenticate, gitAuthorizations, type AuthenticateArgs, type AuthorizationsArgs } from '../../../src/git/cli.js';
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

export async function authenticate(repo: TestRepo, args: string[], options: Partial<AuthenticateArgs> = {}): Promise<Captured> {
  const stdout = sink();
  const stderr = sink();
  const status = await gitAuthenticate({ stdout, stderr, env: repo.env, cwd: repo.dir }, { args, stats: false, ...options });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

export async function authorizationsCommand(repo: TestRepo, a: Partial<AuthorizationsArgs> & Pick<AuthorizationsArgs, 'action'>): Promise<Captured> {
  const stdout = sink();
  const stderr = sink();
  const status = await gitAuthorizations({ stdout, stderr, env: repo.env, cwd: repo.dir }, { force: false, json: false, ...a });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** Guix's display of a fingerprint. */
export function fmt(f: string): string {
  const g = f.toUpperCase().match(/.{4}/g)!;
  return `${g.slice(0, 5).join(' ')}  ${g.slice(5).join(' ')}`;
}
