// A long-running program in the real-Guix root (a server: guix publish, a daemon): started
// chrooted, its PID recorded for setup.sh, its output kept for error messages, stopped with
// SIGTERM then SIGKILL. startDaemon (daemon.ts) starts guix-daemon through it.
import { spawn } from 'node:child_process';
import { chrootArgv, trackPid, type RunOptions } from './root.js';

export interface RootProcess {
  readonly pid: number;
  /** Its stdout and stderr so far. */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export function startInRoot(argv: readonly string[], options: Pick<RunOptions, 'env' | 'user' | 'capabilities'> = {}): RootProcess {
  const [command, ...args] = chrootArgv(argv, options);
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  trackPid(child.pid!);
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  return {
    pid: child.pid!,
    output: () => output,
    exited: () => exited,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
