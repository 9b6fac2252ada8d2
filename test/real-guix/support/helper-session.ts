// Long-running `authenticate` helpers in the real-Guix root, spoken to as guix-daemon does (line
// protocol, lock-step; see the project's authenticate-protocol spec): the real `guix
// authenticate` and ours (bin/keytool authenticate from the read-only checkout). A helper that
// dies or hangs on a request is recorded and started afresh for the next one.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DaemonClient, type Reply } from '../../helper/daemon-client.js';
import { chrootArgv, keytoolArgv, trackPid } from './root.js';

export type HelperSide = 'real' | 'ours';

/** What one request got: a reply, or the helper's death (with the last line of its stderr). */
export type Outcome = { reply: Reply } | { died: string };

const REPLY_TIMEOUT_MS = 20_000;

export class HelperSession {
  private client: DaemonClient | undefined;
  private stderr = '';
  /** How many times the helper was started (1 = it never died). */
  starts = 0;

  constructor(
    readonly side: HelperSide,
    /** GUIX_CONFIGURATION_DIRECTORY inside the root: where the helper reads its ACL. */
    readonly configDir: string,
  ) {}

  private start(): DaemonClient {
    const env = { GUIX_CONFIGURATION_DIRECTORY: this.configDir };
    // Ours as the daemon runs it: stderr is the reply pipe, so a stray byte breaks the replies.
    // The real one's stderr is kept apart, to report why it died.
    const argv = this.side === 'real' ? ['guix', 'authenticate'] : ['/bin/sh', '-c', 'exec "$0" "$@" 2>&1', ...keytoolArgv('authenticate')];
    const [command, ...args] = chrootArgv(argv, { env });
    const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true }) as ChildProcessWithoutNullStreams;
    trackPid(child.pid!);
    this.stderr = '';
    child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString('latin1')));
    this.starts++;
    return (this.client = DaemonClient.attach(child));
  }

  /** Send one request and read its reply; on death or a hang, kill the helper and say why. */
  async request(bytes: Buffer): Promise<Outcome> {
    const client = this.client ?? this.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        client.request(bytes),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no reply within ${REPLY_TIMEOUT_MS / 1000} s`)), REPLY_TIMEOUT_MS))),
      ]);
      return { reply };
    } catch (error) {
      client.kill();
      await client.exited;
      this.client = undefined;
      const last = this.stderr.trim().split('\n').filter((l) => !l.startsWith('GC Warning')).pop();
      const why = last ?? (error as Error).message;
      return { died: why.length > 160 ? `${why.slice(0, 160)}…` : why };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close the request pipe: the exit status and anything written after the last reply. */
  async end(): Promise<{ status: number | null; rest: Buffer } | undefined> {
    const client = this.client;
    this.client = undefined;
    return client?.end();
  }
}
