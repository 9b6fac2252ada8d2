// Channel authentication in the root: repositories made on the host (gpg and git there, with
// test/git/support/repo.ts) are copied in, then `guix git authenticate` and `keytool git
// authenticate` run inside the root on the same path, with the same HOME (and so the same
// ~/.cache/guix/authentication) when a test wants them to share their cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { WORK } from './daemon.js';
import { inRoot, keytoolArgv, onHost, type RunResult } from './root.js';

/** Where the repositories and homes live inside the root. */
const GIT_WORK = `${WORK}/git`;

export type Authenticator = 'guix' | 'ours';
export const AUTHENTICATORS: readonly Authenticator[] = ['guix', 'ours'];

/** Copy the repository at `hostDir` to GIT_WORK/NAME/repo in the root (replacing any copy). */
export function copyRepo(hostDir: string, name: string): string {
  const inRootDir = `${GIT_WORK}/${name}/repo`;
  rmSync(onHost(inRootDir), { recursive: true, force: true });
  mkdirSync(path.dirname(onHost(inRootDir)), { recursive: true });
  execFileSync('cp', ['-a', hostDir, onHost(inRootDir)]);
  return inRootDir;
}

/** An empty HOME at GIT_WORK/NAME/home-TAG in the root. */
export function freshHome(name: string, tag: string): string {
  const home = `${GIT_WORK}/${name}/home-${tag}`;
  rmSync(onHost(home), { recursive: true, force: true });
  mkdirSync(onHost(home), { recursive: true });
  return home;
}

/** Run `guix git authenticate ARGS` or `keytool git authenticate ARGS` in directory `dir` (the
 *  repository, one of its subdirectories, or anywhere with `--repository`) with HOME `home`. */
export function authenticateIn(who: Authenticator, dir: string, home: string, args: readonly string[]): Promise<RunResult> {
  const argv = who === 'guix' ? ['guix', 'git', 'authenticate', ...args] : keytoolArgv('git', 'authenticate', ...args);
  return inRoot(argv, { cwd: dir, env: { HOME: home } });
}

/** The program's name in its messages: Guix says `guix git:`, we say `keytool git authenticate:`. */
export function withoutProgramName(stderr: string): string {
  return stderr.replace(/^(guix git|keytool git authenticate): /gm, 'PROGRAM: ');
}

/**
 * A run as one comparable text: exit status, stdout, stderr without the program's name. A hint
 * (`hint: ` up to a blank line) counts by its place, not its words: ours is in our own words.
 */
export function verdict(result: RunResult): string {
  const stderr = withoutProgramName(result.stderr).replace(/^hint: [\s\S]*?\n\n/gm, 'hint: (advice)\n');
  return `exit ${result.status}\n--- stdout\n${result.stdout.toString()}--- stderr\n${stderr}`;
}

/** The authentication cache files under `home` (name relative to ~/.cache/guix/authentication → contents). */
export function cacheFiles(home: string): Record<string, string> {
  const top = onHost(`${home}/.cache/guix/authentication`);
  const found: Record<string, string> = {};
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else found[path.relative(top, file)] = readFileSync(file, 'utf8');
    }
  };
  walk(top);
  return found;
}

/** The `guix.*` entries of a repository's configuration (introduction, keyring), or ''. */
export function guixConfig(repo: string): string {
  const r = spawnSync('git', ['config', '--get-regexp', '^guix\\.'], { cwd: onHost(repo), encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git config in ${repo}: ${r.stderr}`);
  return r.stdout;
}

/** Run host git on a repository inside the root (to move refs between runs). */
export function gitOnCopy(repo: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd: onHost(repo), encoding: 'utf8' }).trim();
}
