// Starts the editor on a terminal: the alternate screen (the shell's screen comes back intact on
// exit) and bracketed paste (turned off again however the editor ends), ink without its own
// Ctrl-C exit (Ctrl-C is q: it asks when there are unsaved changes).
// Loaded only by `keytool acl`, through await import(): nothing else pays for ink and React.
import { render } from 'ink';
import type { ConfigPaths } from '../config.js';
import { App } from './App.js';
import { fileBackend, type EditorBackend } from './backend.js';
import type { EditorState } from './state.js';

export interface EditorIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

// The alternate screen, and bracketed paste: the terminal marks pasted text, so a paste that holds
// line breaks is text for the field it lands in, while keys typed fast still act one by one.
const TERMINAL_ON = '\x1b[?1049h\x1b[?2004h';
// Undone in the opposite order, with the cursor shown (ink hides it).
const TERMINAL_OFF = '\x1b[?2004l\x1b[?1049l\x1b[?25h';

/** Run the editor until the user leaves; resolves to the exit status. Throws KeytoolError when the ACL cannot be read. */
export async function runEditor(paths: ConfigPaths, io: EditorIo, backend: EditorBackend = fileBackend(paths, io.cwd, io.env)): Promise<number> {
  // Read before taking the screen, so an unreadable ACL is reported on the normal screen.
  const loaded = backend.load();
  const colour = !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  let final: EditorState | undefined;
  // The terminal gets its modes back however the editor ends: leaving, an exception (finally),
  // a signal, or the process exiting from under it. Only once.
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    io.stdout.write(TERMINAL_OFF);
  };
  // Killed or hung up: restore the terminal, then die of the same signal.
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  process.once('exit', restore);
  io.stdout.write(TERMINAL_ON);
  try {
    const instance = render(<App backend={backend} loaded={loaded} colour={colour} onExit={(s) => (final = s)} />, {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    await instance.waitUntilExit();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', restore);
    restore();
  }
  if (final && final.saves > 0) io.stderr.write(`keytool: saved ${paths.acl}\n`);
  return 0;
}
