// Work to undo when a signal ends the process: a half-built tree or temporary file must not
// outlive an interrupted run. While anything is registered, SIGINT, SIGTERM and SIGHUP run every
// cleanup (newest first), then end the process by the same signal, so whoever started it sees
// the usual status (128 + the signal's number) and a shell loop stops on ^C as it should.
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const cleanups = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const undo of [...cleanups].reverse()) {
    try {
      undo();
    } catch {
      /* best effort: the others still run */
    }
  }
  cleanups.clear();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // With our listeners gone the default action applies again: die by the signal itself.
  process.kill(process.pid, signal);
  process.exit(128 + (constants.signals[signal] ?? 0));
}

/**
 * Run `undo` (synchronous) if a terminating signal arrives before the returned function is
 * called; that function forgets it.
 */
export function undoOnSignal(undo: () => void): () => void {
  if (!cleanups.size) for (const s of SIGNALS) process.on(s, onSignal);
  cleanups.add(undo);
  return () => {
    if (!cleanups.delete(undo) || cleanups.size) return;
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
}
